// The recovery memo the node's threads share: recorded on one, seeded into another, used once.
import { devEthereumAccounts, keccak256 } from "@darwin/crypto";
import { createTx } from "@ethereumjs/tx";
import { afterEach, describe, expect, it } from "vitest";
import { createDarwinCommon, ecrecoverMemo, nativeEcrecover } from "../src/evm/common.ts";

afterEach(() => ecrecoverMemo.record(false));

function signed() {
  const common = createDarwinCommon();
  const tx = createTx(
    {
      type: 2,
      nonce: 3n,
      gasLimit: 21_000n,
      maxFeePerGas: 10n ** 10n,
      to: new Uint8Array(20).fill(7),
      value: 1n,
    },
    { common },
  ).sign(devEthereumAccounts()[1]!.secretKey);
  const toBytes = (n: bigint) => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, "0"), "hex"));
  return { digest: tx.getHashedMessageToSign(), v: tx.v!, r: toBytes(tx.r!), s: toBytes(tx.s!) };
}

describe("ecrecover memo", () => {
  it("records recoveries, and a seeded entry answers the same question once", () => {
    const { digest, v, r, s } = signed();
    const address = devEthereumAccounts()[1]!.address;
    ecrecoverMemo.record(true);
    const pub = nativeEcrecover(digest, v, r, s);
    expect(keccak256(pub).slice(12)).toEqual(address);
    const entries = ecrecoverMemo.take();
    expect(entries).toHaveLength(1);
    expect(ecrecoverMemo.take()).toHaveLength(0);
    ecrecoverMemo.record(false);

    // Seeded with a marker: the memo, not the curve, answers the first time; the curve the second.
    const marker = new Uint8Array(64).fill(9);
    ecrecoverMemo.seed([[entries[0]![0], marker]]);
    expect(nativeEcrecover(digest, v, r, s)).toEqual(marker);
    expect(nativeEcrecover(digest, v, r, s)).toEqual(pub);
  });

  it("does not answer a different signature from the memo", () => {
    const { digest, v, r, s } = signed();
    ecrecoverMemo.record(true);
    nativeEcrecover(digest, v, r, s);
    const [[key]] = ecrecoverMemo.take() as [[string, Uint8Array]];
    ecrecoverMemo.record(false);
    ecrecoverMemo.seed([[key, new Uint8Array(64).fill(9)]]);
    const other = Uint8Array.from(digest);
    other[0] = other[0]! ^ 1;
    // A changed digest recovers some other key from the curve (or fails), never the seeded marker.
    let got: Uint8Array | undefined;
    try {
      got = nativeEcrecover(other, v, r, s);
    } catch {
      got = undefined;
    }
    expect(got).not.toEqual(new Uint8Array(64).fill(9));
  });
});
