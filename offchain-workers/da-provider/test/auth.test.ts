import { describe, expect, it } from "vitest";
import {
  addressOfSecretKey,
  createMemoryNonceStore,
  parseSecretKey,
  personalSign,
  recoverPersonalSigner,
  requestMessage,
  signRequest,
  verifyRequest,
} from "../src/index.ts";
import { ALITH, ALITH_KEY, BALTATHAR_KEY } from "./helpers.ts";

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return "no error";
  } catch (err) {
    return (err as { code?: string }).code ?? "untyped";
  }
}

describe("owner signatures (EIP-191 personal_sign over secp256k1)", () => {
  it("matches a published personal_sign vector and Darwin's dev account addresses", () => {
    // viem's signMessage docs: account 0xf39F... (Hardhat key 0) signing "hello world".
    const hardhat0 = parseSecretKey("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    expect(addressOfSecretKey(hardhat0)).toBe("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
    const signature = personalSign(hardhat0, "hello world");
    expect(signature).toBe(
      "0xa461f509887bd19e312c0c58467ce8ff8e300d3c1a90b608a760c5b80318eaf15fe57c96f9175d6cd4daad4663763baa7e78836e067d0163e9a2ccf2ff753f5b1b",
    );
    expect(recoverPersonalSigner("hello world", signature)).toBe(
      "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
    );
    expect(addressOfSecretKey(ALITH_KEY)).toBe(ALITH);
  });

  it("accepts a fresh request once and refuses replays, stale clocks and other signers", () => {
    const nonces = createMemoryNonceStore();
    const now = 1_800_000_000_000;
    const request = signRequest(ALITH_KEY, { action: "add", cid: "bafkreiabc", timestamp: now / 1000 });
    expect(verifyRequest(request, nonces, { now: () => now })).toBe(ALITH);
    expect(codeOf(() => verifyRequest(request, nonces, { now: () => now }))).toBe("REPLAYED");
    const old = signRequest(ALITH_KEY, { action: "add", cid: "bafkreiabc", timestamp: now / 1000 - 301 });
    expect(codeOf(() => verifyRequest(old, nonces, { now: () => now }))).toBe("STALE_REQUEST");
    const future = signRequest(ALITH_KEY, { action: "add", cid: "bafkreiabc", timestamp: now / 1000 + 301 });
    expect(codeOf(() => verifyRequest(future, nonces, { now: () => now }))).toBe("STALE_REQUEST");
    // Baltathar signs, but claims to be Alith.
    const forged = signRequest(BALTATHAR_KEY, { action: "add", cid: "bafkreiabc", timestamp: now / 1000 });
    expect(codeOf(() => verifyRequest({ ...forged, owner: ALITH }, nonces, { now: () => now }))).toBe(
      "BAD_SIGNATURE",
    );
    // A signature for one CID does not authorise another.
    const other = signRequest(ALITH_KEY, { action: "add", cid: "bafkreiabc", timestamp: now / 1000 });
    expect(codeOf(() => verifyRequest({ ...other, cid: "bafkreixyz" }, nonces, { now: () => now }))).toBe(
      "BAD_SIGNATURE",
    );
    expect(codeOf(() => verifyRequest({ ...other, signature: "0x1234" }, nonces, { now: () => now }))).toBe(
      "BAD_SIGNATURE",
    );
    expect(requestMessage(request)).toContain(`owner: ${ALITH}`);
    expect(nonces.prune(now + 3_600_000)).toBeGreaterThan(0);
  });
});
