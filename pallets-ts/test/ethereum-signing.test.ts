// The signing digest read off raw bytes must be ethereumjs's, for every transaction type Darwin
// accepts and for the encodings where RLP headers change size (long data, long lists, large chain
// ids, empty fields).
import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { RLP } from "@ethereumjs/rlp";
import { createTx, createTxFromRLP, type TypedTxData } from "@ethereumjs/tx";
import { describe, expect, it } from "vitest";
import {
  signingHashFromRaw,
  signingMessageFromRaw,
  typedChainIdIsCanonical,
} from "../src/ethereum/signing.ts";

const key = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const to = `0x${"ab".repeat(20)}` as const;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function common(chainId: bigint): Common {
  return new Common({
    chain: { ...Mainnet, chainId: Number(chainId) },
    hardfork: Hardfork.Prague,
    eips: [],
  });
}

const cases: { readonly name: string; readonly data: TypedTxData; readonly chainId: bigint }[] = [];
for (const chainId of [1n, 4242n, 2n ** 40n + 7n]) {
  const base = { nonce: 0n, gasLimit: 21_000n, to, value: 0n };
  cases.push(
    { name: `legacy, chain ${chainId}`, chainId, data: { ...base, type: 0, gasPrice: 7n } },
    {
      name: `legacy with 300 bytes of data and a large nonce, chain ${chainId}`,
      chainId,
      data: {
        ...base,
        type: 0,
        gasPrice: 10n ** 12n,
        nonce: 2n ** 63n - 1n,
        data: new Uint8Array(300).fill(9),
      },
    },
    {
      name: `EIP-2930 with an access list, chain ${chainId}`,
      chainId,
      data: {
        ...base,
        type: 1,
        gasPrice: 1n,
        accessList: [{ address: to, storageKeys: [`0x${"01".repeat(32)}`, `0x${"02".repeat(32)}`] }],
      },
    },
    {
      name: `EIP-1559, chain ${chainId}`,
      chainId,
      data: { ...base, type: 2, maxFeePerGas: 2n * 10n ** 9n, maxPriorityFeePerGas: 0n, value: 10n ** 18n },
    },
    {
      name: `EIP-1559 contract creation with 40 kB of init code, chain ${chainId}`,
      chainId,
      data: {
        nonce: 3n,
        gasLimit: 5_000_000n,
        type: 2,
        maxFeePerGas: 1n,
        maxPriorityFeePerGas: 1n,
        data: new Uint8Array(40_000).fill(0x60),
      },
    },
    {
      name: `EIP-7702 with an authorization, chain ${chainId}`,
      chainId,
      data: {
        ...base,
        type: 4,
        maxFeePerGas: 5n,
        maxPriorityFeePerGas: 1n,
        authorizationList: [
          {
            chainId: "0x1",
            address: to,
            nonce: "0x0",
            yParity: "0x1",
            r: `0x${"11".repeat(32)}`,
            s: `0x${"22".repeat(32)}`,
          },
        ],
      },
    },
  );
}

describe("signingMessageFromRaw", () => {
  it("gives ethereumjs's signing digest for every accepted type and encoding size", () => {
    for (const c of cases) {
      const signed = createTx(c.data, { common: common(c.chainId) }).sign(key);
      const raw = signed.serialize();
      const decoded = createTxFromRLP(raw, { common: common(c.chainId) });
      expect(hex(signingHashFromRaw(raw, c.chainId) as Uint8Array), c.name).toBe(
        hex(decoded.getHashedMessageToSign()),
      );
    }
  });

  it("relies on ethereumjs refusing non-canonical encodings, and catches the one it accepts", () => {
    // nonce 5 written as a one-byte string (0x81 0x05), and value 0 written as 0x00 instead of 0x80:
    // the raw bytes would then differ from the re-encoded fields ethereumjs signs.
    const signed = createTx(
      { type: 2, nonce: 5n, gasLimit: 21_000n, to, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, value: 0n },
      { common: common(1n) },
    ).sign(key);
    const raw = signed.serialize();
    const fields = RLP.decode(raw.subarray(1)) as Uint8Array[];
    const withPrefix = (items: Uint8Array[], patch: (encoded: Uint8Array[]) => void): Uint8Array => {
      const encoded = items.map((f) => RLP.encode(f));
      patch(encoded);
      const payload = Buffer.concat(encoded);
      return Uint8Array.of(2, ...listOf(payload));
    };
    const listOf = (payload: Uint8Array): Uint8Array =>
      payload.length <= 55
        ? Uint8Array.of(0xc0 + payload.length, ...payload)
        : Uint8Array.of(0xf8, payload.length, ...payload);
    const nonCanonicalNonce = withPrefix(fields, (e) => {
      e[1] = Uint8Array.of(0x81, 0x05);
    });
    const zeroByteValue = withPrefix(fields, (e) => {
      e[6] = Uint8Array.of(0x00);
    });
    for (const bad of [nonCanonicalNonce, zeroByteValue]) {
      expect(() => createTxFromRLP(bad, { common: common(1n) })).toThrow();
    }
    // Except the chain id: ethereumjs accepts one with a leading zero and signs over the canonical
    // bytes, so the raw bytes must not be sliced (and the pallet refuses the transaction).
    const paddedChainId = withPrefix(fields, (e) => {
      e[0] = Uint8Array.of(0x82, 0x00, 0x01);
    });
    expect(() => createTxFromRLP(paddedChainId, { common: common(1n) })).not.toThrow();
    expect(signingMessageFromRaw(paddedChainId, 1n)).toBeUndefined();
    expect(typedChainIdIsCanonical(paddedChainId, 1n)).toBe(false);
    expect(typedChainIdIsCanonical(raw, 1n)).toBe(true);
    // The untouched re-assembly is accepted: the patches, not the re-assembly, are refused.
    expect(hex(withPrefix(fields, () => {}))).toBe(hex(raw));
  });

  it("leaves what it does not handle to ethereumjs", () => {
    const legacy = createTx(
      { type: 0, nonce: 0n, gasLimit: 21_000n, to, gasPrice: 1n },
      { common: common(1n) },
    );
    const raw = legacy.sign(key).serialize();
    // A legacy transaction signed for another chain (or without EIP-155) has another v.
    expect(signingMessageFromRaw(raw, 5n)).toBeUndefined();
    // Truncated, trailing bytes, blob type, empty.
    expect(signingMessageFromRaw(raw.subarray(0, raw.length - 1), 1n)).toBeUndefined();
    expect(signingMessageFromRaw(Uint8Array.of(...raw, 0), 1n)).toBeUndefined();
    const typed = createTx(
      { type: 2, nonce: 0n, gasLimit: 21_000n, to, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n },
      { common: common(1n) },
    )
      .sign(key)
      .serialize();
    expect(signingMessageFromRaw(typed.subarray(0, typed.length - 3), 1n)).toBeUndefined();
    expect(signingMessageFromRaw(Uint8Array.of(3, ...typed.subarray(1)), 1n)).toBeUndefined();
    expect(signingMessageFromRaw(new Uint8Array(0), 1n)).toBeUndefined();
  });
});
