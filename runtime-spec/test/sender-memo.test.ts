// The signer memo the node's threads share: the RPC thread records the public keys it recovered, the
// authorship worker is seeded with them and decodes the same raw transactions without ecrecover.
import { addressOfPublicKey, devEthereumAccounts } from "@darwin/crypto";
import { ethereum } from "@darwin/pallets";
import { createTx } from "@ethereumjs/tx";
import { afterEach, describe, expect, it } from "vitest";
import { DarwinRuntime } from "../src/index.ts";

const { senderMemo } = ethereum;

afterEach(() => {
  senderMemo.record(false);
  senderMemo.take();
  senderMemo.takeReused();
});

// Each runtime has its own decode cache, as the node's main thread and its worker do.
const freshDecoder = () => {
  const rt = new DarwinRuntime({ orderedTrieRoot: () => new Uint8Array(32) });
  return (raw: Uint8Array) => rt.pallets.frontier.ethereum.decode(raw);
};

function signed(nonce: bigint, from = 1): Uint8Array {
  const rt = new DarwinRuntime({ orderedTrieRoot: () => new Uint8Array(32) });
  return createTx(
    {
      type: 2,
      nonce,
      gasLimit: 21_000n,
      maxFeePerGas: 10n ** 10n,
      to: new Uint8Array(20).fill(7),
      value: 1n,
    },
    { common: rt.pallets.frontier.evm.runner.common },
  )
    .sign(devEthereumAccounts()[from]!.secretKey)
    .serialize();
}

describe("sender memo", () => {
  it("records recovered signers, and a seeded entry answers the same raw transaction once", () => {
    const raw = signed(3n);
    const alice = devEthereumAccounts()[1]!;
    senderMemo.record(true);
    expect(freshDecoder()(raw).sender).toEqual(alice.address);
    const entries = senderMemo.take();
    expect(entries).toHaveLength(1);
    expect(addressOfPublicKey(Uint8Array.of(4, ...entries[0]![1]))).toEqual(alice.address);
    expect(senderMemo.take()).toHaveLength(0);
    senderMemo.record(false);

    // Seeded with another account's key: the memo, not the curve, answers the first decode (so
    // nothing was recovered); a second decoder, with the entry used up, recovers the real signer.
    const other = devEthereumAccounts()[2]!;
    senderMemo.record(true);
    freshDecoder()(signed(0n, 2));
    const [[, otherKey]] = senderMemo.take() as [[string, Uint8Array]];
    senderMemo.record(false);
    senderMemo.seed([[entries[0]![0], otherKey]]);
    expect(freshDecoder()(raw).sender).toEqual(other.address);
    expect(senderMemo.takeReused()).toBe(1);
    expect(freshDecoder()(raw).sender).toEqual(alice.address);
    expect(senderMemo.takeReused()).toBe(0);
  });

  it("does not record signers decoded for display", () => {
    const rt = new DarwinRuntime({ orderedTrieRoot: () => new Uint8Array(32) });
    senderMemo.record(true);
    const shown = rt.pallets.frontier.ethereum.decode(signed(9n), { noteSigner: false });
    expect(shown.sender).toEqual(devEthereumAccounts()[1]!.address);
    expect(senderMemo.take()).toHaveLength(0);
    freshDecoder()(signed(9n));
    expect(senderMemo.take()).toHaveLength(1);
  });

  it("does not answer a different transaction from the memo", () => {
    const raw = signed(5n);
    senderMemo.record(true);
    freshDecoder()(raw);
    const [[key]] = senderMemo.take() as [[string, Uint8Array]];
    senderMemo.record(false);
    senderMemo.seed([[key, new Uint8Array(64).fill(9)]]);
    const decoded = freshDecoder()(signed(6n));
    expect(decoded.sender).toEqual(devEthereumAccounts()[1]!.address);
    expect(senderMemo.takeReused()).toBe(0);
  });

  it("refuses a bad signature when nothing is seeded for it", () => {
    const raw = signed(7n);
    // Flip a byte of s: the signature no longer recovers the signer (or anything at all).
    const bad = Uint8Array.from(raw);
    bad[bad.length - 2] = bad[bad.length - 2]! ^ 0xff;
    let sender: Uint8Array | undefined;
    try {
      sender = freshDecoder()(bad).sender;
    } catch (e) {
      expect((e as { code?: string }).code).toBe("InvalidSignature");
    }
    if (sender !== undefined) expect(sender).not.toEqual(devEthereumAccounts()[1]!.address);
  });
});
