import { describe, expect, it } from "vitest";
import {
  EnvelopeError,
  type EnvelopeErrorCode,
  envelopeFromJson,
  envelopeToJson,
  generateKeyPair,
  inspect,
  keyFromHex,
  keyPairFromSecret,
  keyToHex,
  looksLikeEnvelope,
  open,
  seal,
} from "../src/index.ts";

const text = (s: string) => new TextEncoder().encode(s);

function codeOf(fn: () => unknown): EnvelopeErrorCode | "no error" | "untyped" {
  try {
    fn();
    return "no error";
  } catch (err) {
    return err instanceof EnvelopeError ? err.code : "untyped";
  }
}

describe("envelope", () => {
  const node = generateKeyPair();
  const other = generateKeyPair();
  const secret = text("blood pressure 120/80; the model must not see it in clear on the wire");

  it("seals to a public key and opens with the matching secret key", () => {
    const envelope = seal(node.publicKey, secret, text("request-42"));
    expect(looksLikeEnvelope(envelope)).toBe(true);
    const opened = open(node.secretKey, envelope);
    expect(opened.plaintext).toEqual(secret);
    expect(new TextDecoder().decode(opened.aad)).toBe("request-42");
  });

  it("does not contain the plaintext and differs every time (fresh ephemeral key and nonce)", () => {
    const a = seal(node.publicKey, secret);
    const b = seal(node.publicKey, secret);
    expect(a).not.toEqual(b);
    const hay = Buffer.from(a).toString("latin1");
    expect(hay.includes(Buffer.from(secret.subarray(0, 16)).toString("latin1"))).toBe(false);
  });

  it("refuses the wrong key with WRONG_KEY", () => {
    const envelope = seal(node.publicKey, secret);
    expect(codeOf(() => open(other.secretKey, envelope))).toBe("WRONG_KEY");
  });

  it("detects a flipped bit anywhere after the magic/version/suite as tampering or a typed header error", () => {
    const envelope = seal(node.publicKey, secret, text("aad"));
    const positions = [6, 14, 14 + 32, 14 + 32 + 24, envelope.length - 20, envelope.length - 1];
    for (const at of positions) {
      const bad = envelope.slice();
      bad[at]! ^= 0x01;
      const code = codeOf(() => open(node.secretKey, bad));
      expect(["TAMPERED", "WRONG_KEY", "TRUNCATED", "MALFORMED"]).toContain(code);
    }
    // Ciphertext, tag, nonce and AAD changes are caught by the AEAD itself.
    for (const at of [14 + 32, envelope.length - 1, envelope.length - 20]) {
      const bad = envelope.slice();
      bad[at]! ^= 0x80;
      expect(codeOf(() => open(node.secretKey, bad))).toBe("TAMPERED");
    }
  });

  it("reports truncation, bad magic, unknown versions and suites", () => {
    const envelope = seal(node.publicKey, secret);
    expect(codeOf(() => open(node.secretKey, envelope.subarray(0, envelope.length - 1)))).toBe("TRUNCATED");
    expect(codeOf(() => open(node.secretKey, envelope.subarray(0, 30)))).toBe("TRUNCATED");
    expect(codeOf(() => open(node.secretKey, envelope.subarray(0, 2)))).toBe("TRUNCATED");
    expect(
      codeOf(() => open(node.secretKey, text("hello world, not an envelope at all................"))),
    ).toBe("MALFORMED");
    const withTrailer = new Uint8Array(envelope.length + 1);
    withTrailer.set(envelope);
    expect(codeOf(() => open(node.secretKey, withTrailer))).toBe("MALFORMED");
    const v2 = envelope.slice();
    v2[4] = 2;
    expect(codeOf(() => open(node.secretKey, v2))).toBe("UNSUPPORTED_VERSION");
    const s9 = envelope.slice();
    s9[5] = 9;
    expect(codeOf(() => open(node.secretKey, s9))).toBe("UNSUPPORTED_SUITE");
  });

  it("rejects keys of the wrong size and low-order public keys", () => {
    expect(codeOf(() => seal(new Uint8Array(31), secret))).toBe("BAD_KEY");
    expect(codeOf(() => seal(new Uint8Array(32), secret))).toBe("BAD_KEY");
    expect(codeOf(() => open(new Uint8Array(5), seal(node.publicKey, secret)))).toBe("BAD_KEY");
  });

  it("is deterministic given the ephemeral key and nonce (a fixed vector)", () => {
    const recipient = keyPairFromSecret(new Uint8Array(32).fill(7));
    const opts = { ephemeralSecretKey: new Uint8Array(32).fill(9), nonce: new Uint8Array(24).fill(1) };
    const a = seal(recipient.publicKey, text("abc"), undefined, opts);
    const b = seal(recipient.publicKey, text("abc"), undefined, opts);
    expect(a).toEqual(b);
    const header = inspect(a);
    expect(header.ciphertextLength).toBe(3 + 16);
    expect(a.length).toBe(header.headerLength + 19);
    expect(open(recipient.secretKey, a).plaintext).toEqual(text("abc"));
  });

  it("round-trips through the JSON form and hex keys", () => {
    const envelope = seal(node.publicKey, new Uint8Array(70_000).fill(3));
    const json = JSON.stringify(envelopeToJson(envelope));
    const back = envelopeFromJson(json);
    expect(back).toEqual(envelope);
    expect(keyFromHex(keyToHex(node.secretKey))).toEqual(node.secretKey);
    expect(codeOf(() => envelopeFromJson("{not json"))).toBe("MALFORMED");
    expect(codeOf(() => envelopeFromJson({ type: "darwin-envelope", data: "!!!" }))).toBe("MALFORMED");
    expect(codeOf(() => keyFromHex("abc"))).toBe("BAD_KEY");
  });

  it("handles empty plaintext", () => {
    expect(open(node.secretKey, seal(node.publicKey, new Uint8Array(0))).plaintext.length).toBe(0);
  });
});
