// Hardhat 3 contract suite (node:test + viem), run by `npx hardhat test` on Hardhat's simulated
// network or by `npx hardhat test --network darwin` against a darwin-node. It names no node
// internals: everything goes through the JSON-RPC endpoint of the chosen network.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { network } from "hardhat";
import {
  BaseError,
  ContractFunctionRevertedError,
  createWalletClient,
  custom,
  getAddress,
  getContract,
  type Hash,
  parseAbi,
  parseEther,
  parseEventLogs,
  zeroAddress,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

const SUPPLY = parseEther("1000000");

// The ABI the suite expects of src/token/DarwinTestToken.sol, written out so the tests are typed
// without Hardhat's generated artifact types (and so a drift in the compiled ABI fails them).
const tokenAbi = parseAbi([
  "function name() view returns (string)",
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
  "function totalSupply() view returns (uint256)",
  "function balanceOf(address owner) view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function transfer(address to, uint256 value) returns (bool)",
  "function approve(address spender, uint256 value) returns (bool)",
  "function transferFrom(address from, address to, uint256 value) returns (bool)",
  "event Transfer(address indexed from, address indexed to, uint256 value)",
  "event Approval(address indexed owner, address indexed spender, uint256 value)",
]);

/** Resolves when `promise` rejects with a Solidity `Error(string)` whose reason is `reason`. */
async function expectRevertReason(promise: Promise<unknown>, reason: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof BaseError, `expected a viem error, got ${String(err)}`);
    const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
    assert.ok(reverted instanceof ContractFunctionRevertedError, `no revert data in: ${err.message}`);
    assert.equal(reverted.reason, reason);
    return true;
  });
}

describe("DarwinTestToken (ERC-20)", async () => {
  // One connection (and one deployed token) for the whole suite: deploying per test would cost a
  // block each on a real chain for no added coverage.
  const connection = await network.getOrCreate();
  const { viem } = connection;
  const publicClient = await viem.getPublicClient({ pollingInterval: 50 });
  const [deployer] = await viem.getWalletClients({ pollingInterval: 50 });
  if (deployer === undefined) throw new Error("the network has no configured account");
  const owner = deployer.account.address;

  // A fresh account per run, funded by the deployer, so the suite runs on any chain with one key.
  const spenderAccount = privateKeyToAccount(generatePrivateKey());
  const spender = createWalletClient({
    account: spenderAccount,
    chain: publicClient.chain,
    transport: custom(connection.provider),
    pollingInterval: 50,
  });

  const mined = async (hash: Hash) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash, timeout: 60_000 });
    assert.equal(receipt.status, "success", `transaction ${hash} failed`);
    return receipt;
  };

  const deployment = await viem.sendDeploymentTransaction("DarwinTestToken", [
    "Darwin Test Token",
    "DTT",
    SUPPLY,
  ]);
  const deployReceipt = await mined(deployment.deploymentTransaction.hash);
  assert.equal(deployReceipt.contractAddress?.toLowerCase(), deployment.contract.address.toLowerCase());
  const token = getContract({
    address: deployment.contract.address,
    abi: tokenAbi,
    client: { public: publicClient, wallet: deployer },
  });

  before(async () => {
    await mined(await deployer.sendTransaction({ to: spenderAccount.address, value: parseEther("1") }));
  });

  it("deploys with its metadata and mints the supply to the deployer", async () => {
    assert.equal(await token.read.name(), "Darwin Test Token");
    assert.equal(await token.read.symbol(), "DTT");
    assert.equal(await token.read.decimals(), 18);
    assert.equal(await token.read.totalSupply(), SUPPLY);
    assert.equal(await token.read.balanceOf([owner]), SUPPLY);
    const code = await publicClient.getCode({ address: token.address });
    assert.ok(code !== undefined && code.length > 2, "no code at the token address");

    const mints = await publicClient.getContractEvents({
      address: token.address,
      abi: token.abi,
      eventName: "Transfer",
      args: { from: zeroAddress },
      // The deployment's own block: a long-lived node may cap eth_getLogs ranges from genesis.
      fromBlock: deployReceipt.blockNumber,
      toBlock: deployReceipt.blockNumber,
    });
    assert.equal(mints.length, 1);
    assert.equal(getAddress(mints[0]?.args.to ?? zeroAddress), getAddress(owner));
    assert.equal(mints[0]?.args.value, SUPPLY);
  });

  it("transfers tokens and emits Transfer in the receipt and in eth_getLogs", async () => {
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const amount = parseEther("12.5");
    const ownerBalance = await token.read.balanceOf([owner]);
    const receipt = await mined(await token.write.transfer([recipient, amount]));

    assert.equal(await token.read.balanceOf([recipient]), amount);
    assert.equal(await token.read.balanceOf([owner]), ownerBalance - amount);

    const [event, ...rest] = parseEventLogs({ abi: token.abi, logs: receipt.logs, eventName: "Transfer" });
    assert.equal(rest.length, 0);
    assert.equal(getAddress(event?.args.from ?? zeroAddress), getAddress(owner));
    assert.equal(getAddress(event?.args.to ?? zeroAddress), recipient);
    assert.equal(event?.args.value, amount);

    const byTopic = await publicClient.getContractEvents({
      address: token.address,
      abi: token.abi,
      eventName: "Transfer",
      args: { to: recipient },
      fromBlock: receipt.blockNumber,
      toBlock: receipt.blockNumber,
    });
    assert.equal(byTopic.length, 1);
    assert.equal(byTopic[0]?.transactionHash, receipt.transactionHash);
  });

  it("returns revert reasons from eth_call and eth_estimateGas", async () => {
    const balance = await token.read.balanceOf([owner]);
    await expectRevertReason(
      token.simulate.transfer([spenderAccount.address, balance + 1n], { account: owner }),
      "ERC20: transfer amount exceeds balance",
    );
    await expectRevertReason(
      token.estimateGas.transfer([spenderAccount.address, balance + 1n], { account: owner }),
      "ERC20: transfer amount exceeds balance",
    );
    await expectRevertReason(
      token.simulate.transfer([zeroAddress, 1n], { account: owner }),
      "ERC20: transfer to the zero address",
    );
    // Nothing moved.
    assert.equal(await token.read.balanceOf([owner]), balance);
  });

  it("spends an allowance with transferFrom and refuses to overspend it", async () => {
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const approveReceipt = await mined(await token.write.approve([spenderAccount.address, parseEther("5")]));
    const [approval] = parseEventLogs({ abi: token.abi, logs: approveReceipt.logs, eventName: "Approval" });
    assert.equal(getAddress(approval?.args.owner ?? zeroAddress), getAddress(owner));
    assert.equal(getAddress(approval?.args.spender ?? zeroAddress), spenderAccount.address);
    assert.equal(approval?.args.value, parseEther("5"));
    assert.equal(await token.read.allowance([owner, spenderAccount.address]), parseEther("5"));

    const ownerBefore = await token.read.balanceOf([owner]);
    await mined(
      await spender.writeContract({
        address: token.address,
        abi: token.abi,
        functionName: "transferFrom",
        args: [owner, recipient, parseEther("2")],
      }),
    );
    assert.equal(await token.read.allowance([owner, spenderAccount.address]), parseEther("3"));
    assert.equal(await token.read.balanceOf([recipient]), parseEther("2"));
    assert.equal(await token.read.balanceOf([owner]), ownerBefore - parseEther("2"));

    await expectRevertReason(
      token.simulate.transferFrom([owner, recipient, parseEther("3.5")], { account: spenderAccount.address }),
      "ERC20: insufficient allowance",
    );
    await expectRevertReason(
      token.simulate.approve([zeroAddress, 1n], { account: owner }),
      "ERC20: approve to the zero address",
    );
    assert.equal(await token.read.allowance([owner, spenderAccount.address]), parseEther("3"));
  });
});
