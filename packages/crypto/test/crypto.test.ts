import { toHex } from "@darwin/scale";
import { Keyring } from "@polkadot/keyring";
import { u8aToHex } from "@polkadot/util";
import { cryptoWaitReady } from "@polkadot/util-crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  blake2_256,
  devEthereumAccounts,
  ed25519Sign,
  ed25519Verify,
  keyPairFromUri,
  recoverAddress,
  signPayload,
  sr25519Sign,
  sr25519Verify,
  ss58Encode,
  twox128,
  usingNativeSecp256k1,
  verifyEthereumSignature,
} from "../src/index.ts";

beforeAll(async () => {
  await cryptoWaitReady();
});

describe("hashing", () => {
  it("twox128 matches Substrate's storage prefixes", () => {
    // twox128("System") is the well-known prefix of every System storage key.
    expect(toHex(twox128(new TextEncoder().encode("System")))).toBe("0x26aa394eea5630e07c48ae0c9558cef7");
  });
  it("blake2_256 of empty input", () => {
    expect(toHex(blake2_256(new Uint8Array()))).toBe(
      "0x0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8",
    );
  });
});

describe("dev accounts (unified 20-byte accounts)", () => {
  it("derive Alith and Baltathar from the dev phrase on the Ethereum path", () => {
    const [alith, baltathar] = devEthereumAccounts();
    expect(toHex(alith!.address)).toBe("0xf24ff3a9cf04c71dbc94d0b566f7a27b94566cac");
    expect(toHex(alith!.secretKey)).toBe(
      "0x5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133",
    );
    expect(toHex(baltathar!.address)).toBe("0x3cd0a705a2dc65e5b1e1205896baa2be8a07c6e0");
  });

  it("verifies what a Polkadot.js ethereum keypair signs, short and long payloads", () => {
    const keyring = new Keyring({ type: "ethereum" });
    const alith = keyring.addFromUri("0x5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133");
    for (const len of [10, 256, 300]) {
      const payload = new Uint8Array(len).fill(3);
      // polkadot-js hashes payloads over 256 bytes with blake2 before signing (ExtrinsicPayload.sign).
      const signed = alith.sign(len > 256 ? blake2_256(payload) : payload);
      expect(
        verifyEthereumSignature(
          payload,
          signed,
          alith.publicKey.length === 20 ? alith.publicKey : alith.addressRaw,
        ),
      ).toBe(true);
      expect(
        verifyEthereumSignature(
          payload,
          signPayload(payload, devEthereumAccounts()[0]!.secretKey),
          alith.addressRaw,
        ),
      ).toBe(true);
    }
  });

  it("rejects a tampered payload, a truncated signature and a high-s signature", () => {
    const alith = devEthereumAccounts()[0]!;
    const payload = new Uint8Array([1, 2, 3]);
    const sig = signPayload(payload, alith.secretKey);
    expect(verifyEthereumSignature(new Uint8Array([1, 2, 4]), sig, alith.address)).toBe(false);
    expect(verifyEthereumSignature(payload, sig.subarray(0, 64), alith.address)).toBe(false);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    let s = 0n;
    for (let i = 32; i < 64; i++) s = (s << 8n) | BigInt(sig[i]!);
    const high = sig.slice();
    let hs = n - s;
    for (let i = 63; i >= 32; i--) {
      high[i] = Number(hs & 0xffn);
      hs >>= 8n;
    }
    high[64] = sig[64]! ^ 1;
    expect(recoverAddress(new Uint8Array(32), high)).toBeUndefined();
    expect(verifyEthereumSignature(payload, high, alith.address)).toBe(false);
    expect(typeof usingNativeSecp256k1).toBe("boolean");
  });
});

describe("authority keys", () => {
  it("//Alice sr25519 and ed25519 are Substrate's well-known keys", () => {
    const aura = keyPairFromUri("sr25519", "//Alice");
    const gran = keyPairFromUri("ed25519", "//Alice");
    expect(ss58Encode(aura.publicKey)).toBe("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
    expect(ss58Encode(gran.publicKey)).toBe("5FA9nQDVg267DEd8m1ZypXLBnvN7SFxYwV7ndqSYGiN9TTpu");
    const msg = new Uint8Array([9, 9]);
    expect(sr25519Verify(msg, sr25519Sign(msg, aura), aura.publicKey)).toBe(true);
    expect(ed25519Verify(msg, ed25519Sign(msg, gran), gran.publicKey)).toBe(true);
    expect(ed25519Verify(new Uint8Array([9]), ed25519Sign(msg, gran), gran.publicKey)).toBe(false);
    expect(u8aToHex(aura.publicKey)).toBe(
      "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d",
    );
  });
});
