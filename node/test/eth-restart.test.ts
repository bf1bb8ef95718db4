// The Ethereum index (block hash and transaction hash lookups) is rebuilt from the chain when the
// node restarts on the same database.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DarwinNodeHandle, startDarwinNode } from "@darwin/test-utils";
import { createPublicClient, createWalletClient, http } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, expect, it } from "vitest";
import { ALITH_KEY, darwinChain } from "./eth-helpers.ts";

const basePath = mkdtempSync(join(tmpdir(), "darwin-eth-restart-"));
let node: DarwinNodeHandle | undefined;

afterAll(async () => {
  await node?.stop();
  rmSync(basePath, { recursive: true, force: true });
});

it("finds transactions and blocks by Ethereum hash after a restart", async () => {
  node = await startDarwinNode(["--dev", "--sealing", "300", "--base-path", basePath]);
  const chain = darwinChain(node.httpUrl, node.wsUrl);
  const client = createPublicClient({ chain, transport: http(node.httpUrl), pollingInterval: 100 });
  const wallet = createWalletClient({
    account: privateKeyToAccount(ALITH_KEY),
    chain,
    transport: http(node.httpUrl),
    pollingInterval: 100,
  });
  const hash = await wallet.sendTransaction({
    to: privateKeyToAccount(generatePrivateKey()).address,
    value: 5n,
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  await node.stop();

  node = await startDarwinNode(["--dev", "--sealing", "300", "--base-path", basePath]);
  const after = createPublicClient({
    chain: darwinChain(node.httpUrl, node.wsUrl),
    transport: http(node.httpUrl),
  });
  const again = await after.getTransactionReceipt({ hash });
  expect(again.blockHash).toBe(receipt.blockHash);
  expect(again.status).toBe("success");
  const block = await after.getBlock({ blockHash: receipt.blockHash });
  expect(block.number).toBe(receipt.blockNumber);
  expect(block.transactions).toContain(hash);
}, 120_000);
