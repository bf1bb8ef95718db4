// polkadot-api (PAPI) reads the same darwin-node with no generated descriptors.

import { type DarwinNodeHandle, startDarwinNode } from "@darwin/test-utils";
import { createClient, type PolkadotClient } from "polkadot-api";
import { getWsProvider } from "polkadot-api/ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ALITH = "0xf24ff3a9cf04c71dbc94d0b566f7a27b94566cac";

let node: DarwinNodeHandle;
let client: PolkadotClient;

beforeAll(async () => {
  node = await startDarwinNode(["--dev", "--sealing", "1000"]);
  client = createClient(getWsProvider(node.wsUrl));
});

afterAll(async () => {
  client?.destroy();
  await node?.stop();
});

describe("polkadot-api against darwin-node", () => {
  it("reads System.Account and a constant", async () => {
    const api = client.getUnsafeApi();
    const info = (await api.query.System.Account.getValue(ALITH)) as {
      nonce: number;
      data: { free: bigint };
    };
    expect(info.data.free).toBeGreaterThan(0n);
    const ed = (await api.constants.Balances.ExistentialDeposit()) as bigint;
    expect(ed).toBe(10n ** 15n);
    const block = await client.getFinalizedBlock();
    expect(block.number).toBeGreaterThanOrEqual(0);
  });
});
