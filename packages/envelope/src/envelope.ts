// Envelope encryption to one recipient's X25519 key, in the spirit of HPKE base mode / ECIES:
// a fresh ephemeral key per envelope, ECDH with the recipient, HKDF-SHA256 to an AEAD key, and
// XChaCha20-Poly1305 (24-byte random nonces are safe to pick at random). Only @noble/* and
// Web-standard APIs are used, so the same code runs in the browser and in Node.
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { randomBytes } from "@noble/hashes/utils.js";

export type EnvelopeErrorCode =
  /** Not an envelope at all (wrong magic, header cut short, lengths that do not add up). */
  | "MALFORMED"
  /** The envelope is shorter than its header says: bytes were lost in transit or storage. */
  | "TRUNCATED"
  /** A format version this library does not know. */
  | "UNSUPPORTED_VERSION"
  /** A cipher suite this library does not know. */
  | "UNSUPPORTED_SUITE"
  /** The envelope was sealed to a different public key than the secret key offered. */
  | "WRONG_KEY"
  /** Authentication failed: the header, AAD or ciphertext was altered. */
  | "TAMPERED"
  /** A key of the wrong length or a degenerate (low-order) public key. */
  | "BAD_KEY";

export class EnvelopeError extends Error {
  readonly code: EnvelopeErrorCode;
  constructor(code: EnvelopeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EnvelopeError";
    this.code = code;
  }
}

/** "DENV": every envelope starts with these four bytes. */
export const ENVELOPE_MAGIC = new Uint8Array([0x44, 0x45, 0x4e, 0x56]);
export const ENVELOPE_VERSION = 1;
/** Suite 1: X25519 + HKDF-SHA256 + XChaCha20-Poly1305. */
export const SUITE_X25519_HKDF_SHA256_XCHACHA20POLY1305 = 1;
export const SUITE_NAME = "X25519-HKDF-SHA256-XChaCha20Poly1305";

const KEY_BYTES = 32;
const KEY_ID_BYTES = 8;
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
/** magic 4, version 1, suite 1, key id 8, ephemeral key 32, nonce 24, aad length 4, ciphertext length 4. */
const FIXED_HEADER_BYTES = 4 + 1 + 1 + KEY_ID_BYTES + KEY_BYTES + NONCE_BYTES + 4 + 4;
const INFO = new TextEncoder().encode(`darwin-envelope/v1 ${SUITE_NAME}`);

export interface KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** A fresh X25519 key pair from the platform's CSPRNG (crypto.getRandomValues). */
export function generateKeyPair(): KeyPair {
  return keyPairFromSecret(randomBytes(KEY_BYTES));
}

/** The key pair of a 32-byte secret (e.g. a seed kept in a node's keystore). */
export function keyPairFromSecret(secretKey: Uint8Array): KeyPair {
  checkKey(secretKey, "secret key");
  return { secretKey: secretKey.slice(), publicKey: x25519.getPublicKey(secretKey) };
}

export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  checkKey(secretKey, "secret key");
  return x25519.getPublicKey(secretKey);
}

/** 8 bytes naming the recipient key, so a wrong key is reported as such rather than as tampering. */
export function keyIdOf(publicKey: Uint8Array): Uint8Array {
  checkKey(publicKey, "public key");
  return sha256(publicKey).subarray(0, KEY_ID_BYTES);
}

function checkKey(key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) {
    throw new EnvelopeError("BAD_KEY", `${what} must be ${KEY_BYTES} bytes`);
  }
}

function sharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  try {
    return x25519.getSharedSecret(secretKey, publicKey);
  } catch (err) {
    // noble refuses low-order points (an all-zero shared secret); that is a bad key, not a crash.
    throw new EnvelopeError("BAD_KEY", "public key is degenerate (low-order point)", { cause: err });
  }
}

function deriveKey(shared: Uint8Array, ephemeralPublic: Uint8Array, recipientPublic: Uint8Array): Uint8Array {
  const salt = new Uint8Array(KEY_BYTES * 2);
  salt.set(ephemeralPublic, 0);
  salt.set(recipientPublic, KEY_BYTES);
  return hkdf(sha256, shared, salt, INFO, KEY_BYTES);
}

export interface SealOptions {
  /** Fixed ephemeral secret and nonce, for test vectors only; never reuse them in real use. */
  readonly ephemeralSecretKey?: Uint8Array;
  readonly nonce?: Uint8Array;
}

/**
 * Encrypts `plaintext` so only the holder of `recipientPublicKey`'s secret can read it. `aad` is
 * carried in the clear inside the envelope and authenticated with it (e.g. a model id or a request
 * id the recipient must see before decrypting).
 */
export function seal(
  recipientPublicKey: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array = new Uint8Array(0),
  opts: SealOptions = {},
): Uint8Array {
  checkKey(recipientPublicKey, "recipient public key");
  const ephemeralSecret = opts.ephemeralSecretKey ?? randomBytes(KEY_BYTES);
  checkKey(ephemeralSecret, "ephemeral secret key");
  const nonce = opts.nonce ?? randomBytes(NONCE_BYTES);
  if (nonce.length !== NONCE_BYTES) throw new EnvelopeError("BAD_KEY", `nonce must be ${NONCE_BYTES} bytes`);
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret);
  const key = deriveKey(
    sharedSecret(ephemeralSecret, recipientPublicKey),
    ephemeralPublic,
    recipientPublicKey,
  );

  const ciphertextLength = plaintext.length + TAG_BYTES;
  const headerLength = FIXED_HEADER_BYTES + aad.length;
  const out = new Uint8Array(headerLength + ciphertextLength);
  const view = new DataView(out.buffer);
  let at = 0;
  out.set(ENVELOPE_MAGIC, at);
  at += 4;
  out[at++] = ENVELOPE_VERSION;
  out[at++] = SUITE_X25519_HKDF_SHA256_XCHACHA20POLY1305;
  out.set(keyIdOf(recipientPublicKey), at);
  at += KEY_ID_BYTES;
  out.set(ephemeralPublic, at);
  at += KEY_BYTES;
  out.set(nonce, at);
  at += NONCE_BYTES;
  view.setUint32(at, aad.length);
  at += 4;
  view.setUint32(at, ciphertextLength);
  at += 4;
  out.set(aad, at);
  at += aad.length;
  // The whole header is the AEAD's associated data: no field can be swapped without detection.
  const sealed = xchacha20poly1305(key, nonce, out.subarray(0, headerLength)).encrypt(plaintext);
  out.set(sealed, at);
  return out;
}

/** The parts of an envelope readable without any key. */
export interface EnvelopeHeader {
  readonly version: number;
  readonly suite: number;
  readonly recipientKeyId: Uint8Array;
  readonly ephemeralPublicKey: Uint8Array;
  readonly nonce: Uint8Array;
  readonly aad: Uint8Array;
  readonly ciphertextLength: number;
  /** Byte length of the header (where the ciphertext starts). */
  readonly headerLength: number;
}

/** Parses and checks the header; throws MALFORMED / TRUNCATED / UNSUPPORTED_* as appropriate. */
export function inspect(envelope: Uint8Array): EnvelopeHeader {
  if (!(envelope instanceof Uint8Array)) throw new EnvelopeError("MALFORMED", "envelope must be bytes");
  for (let i = 0; i < ENVELOPE_MAGIC.length; i++) {
    if (envelope.length <= i) throw new EnvelopeError("TRUNCATED", "envelope ends inside its magic");
    if (envelope[i] !== ENVELOPE_MAGIC[i])
      throw new EnvelopeError("MALFORMED", "not a Darwin envelope (bad magic)");
  }
  if (envelope.length < 6) throw new EnvelopeError("TRUNCATED", "envelope ends before its version");
  const version = envelope[4]!;
  const suite = envelope[5]!;
  if (version !== ENVELOPE_VERSION) {
    throw new EnvelopeError(
      "UNSUPPORTED_VERSION",
      `envelope version ${version}; this library reads ${ENVELOPE_VERSION}`,
    );
  }
  if (suite !== SUITE_X25519_HKDF_SHA256_XCHACHA20POLY1305) {
    throw new EnvelopeError("UNSUPPORTED_SUITE", `envelope cipher suite ${suite} is unknown`);
  }
  if (envelope.length < FIXED_HEADER_BYTES) {
    throw new EnvelopeError("TRUNCATED", `envelope of ${envelope.length} bytes is shorter than its header`);
  }
  const view = new DataView(envelope.buffer, envelope.byteOffset, envelope.byteLength);
  let at = 6;
  const recipientKeyId = envelope.subarray(at, at + KEY_ID_BYTES);
  at += KEY_ID_BYTES;
  const ephemeralPublicKey = envelope.subarray(at, at + KEY_BYTES);
  at += KEY_BYTES;
  const nonce = envelope.subarray(at, at + NONCE_BYTES);
  at += NONCE_BYTES;
  const aadLength = view.getUint32(at);
  at += 4;
  const ciphertextLength = view.getUint32(at);
  at += 4;
  if (ciphertextLength < TAG_BYTES) {
    throw new EnvelopeError("MALFORMED", `ciphertext length ${ciphertextLength} is shorter than the tag`);
  }
  const headerLength = FIXED_HEADER_BYTES + aadLength;
  const expected = headerLength + ciphertextLength;
  if (envelope.length < expected) {
    throw new EnvelopeError(
      "TRUNCATED",
      `envelope has ${envelope.length} bytes; its header announces ${expected}`,
    );
  }
  if (envelope.length > expected) {
    throw new EnvelopeError("MALFORMED", `envelope has ${envelope.length - expected} trailing bytes`);
  }
  return {
    version,
    suite,
    recipientKeyId,
    ephemeralPublicKey,
    nonce,
    aad: envelope.subarray(at, at + aadLength),
    ciphertextLength,
    headerLength,
  };
}

export interface Opened {
  readonly plaintext: Uint8Array;
  readonly aad: Uint8Array;
}

/** Decrypts an envelope with the recipient's secret key; every failure is a typed EnvelopeError. */
export function open(recipientSecretKey: Uint8Array, envelope: Uint8Array): Opened {
  checkKey(recipientSecretKey, "recipient secret key");
  const header = inspect(envelope);
  const recipientPublic = x25519.getPublicKey(recipientSecretKey);
  if (!equalBytes(keyIdOf(recipientPublic), header.recipientKeyId)) {
    throw new EnvelopeError("WRONG_KEY", "envelope was sealed to a different public key");
  }
  const key = deriveKey(
    sharedSecret(recipientSecretKey, header.ephemeralPublicKey),
    header.ephemeralPublicKey,
    recipientPublic,
  );
  try {
    const plaintext = xchacha20poly1305(key, header.nonce, envelope.subarray(0, header.headerLength)).decrypt(
      envelope.subarray(header.headerLength),
    );
    return { plaintext, aad: header.aad.slice() };
  } catch (err) {
    throw new EnvelopeError("TAMPERED", "envelope failed authentication (altered or corrupted)", {
      cause: err,
    });
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** True if the bytes start like an envelope (a cheap check before trying to open). */
export function looksLikeEnvelope(bytes: Uint8Array): boolean {
  return bytes.length >= FIXED_HEADER_BYTES && ENVELOPE_MAGIC.every((b, i) => bytes[i] === b);
}
