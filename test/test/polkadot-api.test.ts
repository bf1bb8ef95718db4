// darwin-node against real @polkadot/api 16.5.6, as wallets and Apps use it.

import { type DarwinNodeHandle, startDarwinNode } from "@darwin/test-utils";
import { ApiPromise, Keyring, WsProvider } from "@polkadot/api";
import type { SubmittableExtrinsic } from "@polkadot/api/types";
import { cryptoWaitReady } from "@polkadot/util-crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ALITH = "0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac";
const BALTATHAR = "0x3Cd0A705a2DC65e5b1E1205896BaA2be8A07c6e0";
const DEV_PHRASE = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";
const DNA = 10n ** 18n;

let node: DarwinNodeHandle;
let api: ApiPromise;
const keyring = new Keyring({ type: "ethereum" });

beforeAll(async () => {
  await cryptoWaitReady();
  node = await startDarwinNode(["--dev"]);
  api = await ApiPromise.create({
    provider: new WsProvider(node.wsUrl),
    noInitWarn: true,
    throwOnConnect: true,
  });
});

afterAll(async () => {
  await api?.disconnect();
  await node?.stop();
});

const account = (i: number) => keyring.addFromUri(`${DEV_PHRASE}/m/44'/60'/0'/0/${i}`);

type Status = { type: string; hash?: string };
function sendAndTrack(
  tx: SubmittableExtrinsic<"promise">,
  signer: ReturnType<typeof account>,
  opts: { nonce?: number } = {},
) {
  return new Promise<{
    statuses: Status[];
    events: string[];
    blockHash: string;
    dispatchError?: unknown;
    result: unknown;
  }>((resolve, reject) => {
    const statuses: Status[] = [];
    let unsub: (() => void) | undefined;
    tx.signAndSend(signer, opts, (result) => {
      statuses.push({ type: result.status.type });
      if (result.status.isFinalized) {
        unsub?.();
        resolve({
          statuses,
          events: result.events.map((e) => `${e.event.section}.${e.event.method}`),
          blockHash: result.status.asFinalized.toHex(),
          dispatchError: result.dispatchError,
          result,
        });
      }
      if (result.isError) {
        unsub?.();
        reject(new Error(`transaction failed: ${result.status.type}`));
      }
    })
      .then((u) => {
        unsub = u;
      })
      .catch(reject);
  });
}

describe("@polkadot/api against darwin-node --dev", () => {
  it("connects with no custom types and sees 20-byte accounts, constants and storage", async () => {
    expect(api.runtimeVersion.specName.toString()).toBe("darwin");
    expect(api.registry.createType("AccountId", ALITH).toU8a().length).toBe(20);
    expect((api.consts.balances.existentialDeposit as unknown as { toBigInt(): bigint }).toBigInt()).toBe(
      10n ** 15n,
    );
    const info = await api.query.system.account(ALITH);
    expect(
      (info as unknown as { data: { free: { toBigInt(): bigint } } }).data.free.toBigInt(),
    ).toBeGreaterThan(0n);
    expect((await api.rpc.system.chain()).toString()).toBe("Development");
  });

  it("transfers with transferKeepAlive: ready -> inBlock -> finalized, with the standard events", async () => {
    const before = (await api.query.system.account(BALTATHAR)) as unknown as {
      data: { free: { toBigInt(): bigint } };
    };
    const tx = api.tx.balances.transferKeepAlive(BALTATHAR, 3n * DNA);
    const fee = await tx.paymentInfo(account(0));
    const { statuses, events, blockHash, result } = await sendAndTrack(tx, account(0));
    const kinds = statuses.map((s) => s.type);
    expect(kinds).toContain("Ready");
    expect(kinds).toContain("InBlock");
    expect(kinds.at(-1)).toBe("Finalized");
    expect(events).toEqual(
      expect.arrayContaining([
        "balances.Transfer",
        "transactionPayment.TransactionFeePaid",
        "system.ExtrinsicSuccess",
      ]),
    );
    const paid = (result as { events: { event: { method: string; data: unknown[] } }[] }).events.find(
      (e) => e.event.method === "TransactionFeePaid",
    )!;
    expect((paid.event.data[1] as { toBigInt(): bigint }).toBigInt()).toBe(fee.partialFee.toBigInt());
    const after = (await api.query.system.account(BALTATHAR)) as unknown as {
      data: { free: { toBigInt(): bigint } };
    };
    expect(after.data.free.toBigInt() - before.data.free.toBigInt()).toBe(3n * DNA);
    // Old state stays readable at the parent of the including block.
    const header = await api.rpc.chain.getHeader(blockHash);
    const old = (await (await api.at(header.parentHash)).query.system.account(BALTATHAR)) as unknown as {
      data: { free: { toBigInt(): bigint } };
    };
    expect(old.data.free.toBigInt()).toBe(before.data.free.toBigInt());
  });

  it("pages storage entries", async () => {
    const all = await api.query.system.account.entries();
    expect(all.length).toBeGreaterThanOrEqual(6);
    const page = await api.query.system.account.entriesPaged({ args: [], pageSize: 2 });
    expect(page.length).toBe(2);
  });

  it("a transfer beyond the balance fails with balances.InsufficientBalance", async () => {
    const { dispatchError, events } = await sendAndTrack(
      api.tx.balances.transferKeepAlive(ALITH, 10_000_000n * DNA),
      account(2),
    );
    expect(events).toContain("system.ExtrinsicFailed");
    const err = dispatchError as {
      isModule: boolean;
      asModule: Parameters<typeof api.registry.findMetaError>[0];
    };
    expect(err.isModule).toBe(true);
    const meta = api.registry.findMetaError(err.asModule);
    expect(`${meta.section}.${meta.name}`).toBe("balances.InsufficientBalance");
  });

  it("a stale nonce is refused with 1010", async () => {
    const signer = account(3);
    await sendAndTrack(api.tx.system.remark("0x01"), signer);
    const stale = await api.tx.system.remark("0x02").signAsync(signer, { nonce: 0 });
    await expect(api.rpc.author.submitExtrinsic(stale)).rejects.toThrow(/1010.*(outdated|Stale)/i);
  });

  it("50 transactions from 5 accounts submitted at once all land, each sender's in nonce order", async () => {
    const senders = [1, 2, 3, 4, 5].map(account);
    const txs: Promise<unknown>[] = [];
    for (const s of senders) {
      const start = (await api.rpc.system.accountNextIndex(s.address)).toNumber();
      for (let i = 0; i < 10; i++) {
        const signed = await api.tx.system
          .remark(`0x${i.toString(16).padStart(2, "0")}`)
          .signAsync(s, { nonce: start + i });
        txs.push(api.rpc.author.submitExtrinsic(signed));
      }
    }
    await Promise.all(txs);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const pending = await api.rpc.author.pendingExtrinsics();
      if (pending.length === 0) break;
      if (Date.now() > deadline) throw new Error(`${pending.length} transactions still pending`);
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const s of senders) {
      const n = (await api.rpc.system.accountNextIndex(s.address)).toNumber();
      expect(n).toBeGreaterThanOrEqual(10);
    }
  });
});

describe("storage subscriptions", () => {
  it("api.query.system.account.multi follows several accounts, keeping unchanged ones", async () => {
    const seen: bigint[][] = [];
    const unsub = await api.query.system.account.multi([ALITH, BALTATHAR], (infos) => {
      seen.push(
        infos.map((i) => (i as unknown as { data: { free: { toBigInt(): bigint } } }).data.free.toBigInt()),
      );
    });
    await sendAndTrack(api.tx.balances.transferKeepAlive(BALTATHAR, DNA), account(4));
    unsub();
    const last = seen.at(-1)!;
    // Alith did not change in that block (she only authored it and earned fees); she must not read as empty.
    expect(last[0]).toBeGreaterThan(0n);
    expect(last[1]).toBeGreaterThan(seen[0]![1]!);
  });
});
