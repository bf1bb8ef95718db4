// Owners are 20-byte Darwin/Ethereum accounts. A request is authorised by an EIP-191 personal_sign
// signature (what MetaMask's `personal_sign` and viem's `signMessage` produce) over a short text
// that names the action, the content's CID, the owner, a timestamp and a nonce.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { daError } from "../errors.ts";

export type DaAction = "add" | "import-car" | "pin" | "unpin";
export const DA_ACTIONS: readonly DaAction[] = ["add", "import-car", "pin", "unpin"];

export interface SignedRequestFields {
  readonly action: DaAction;
  /** The content's CID as text (base32 CIDv1). */
  readonly cid: string;
  /** 0x-prefixed lowercase 20-byte address. */
  readonly owner: string;
  /** Unix seconds. */
  readonly timestamp: number;
  /** Random hex, unique per request of an owner. */
  readonly nonce: string;
}

export interface SignedRequest extends SignedRequestFields {
  /** 0x + 65 bytes r || s || v (v = 27 or 28), as personal_sign returns. */
  readonly signature: string;
}

/** The exact text the owner signs. */
export function requestMessage(fields: SignedRequestFields): string {
  return [
    "Darwin DA request",
    `action: ${fields.action}`,
    `cid: ${fields.cid}`,
    `owner: ${fields.owner.toLowerCase()}`,
    `timestamp: ${fields.timestamp}`,
    `nonce: ${fields.nonce}`,
  ].join("\n");
}

/** keccak256("\x19Ethereum Signed Message:\n" + len(message) + message), as EIP-191 version 0x45. */
export function personalMessageHash(message: string | Uint8Array): Uint8Array {
  const body = typeof message === "string" ? new TextEncoder().encode(message) : message;
  const prefix = new TextEncoder().encode(`\x19Ethereum Signed Message:\n${body.length}`);
  const all = new Uint8Array(prefix.length + body.length);
  all.set(prefix);
  all.set(body, prefix.length);
  return keccak_256(all);
}

export function addressOfPublicKey(publicKey: Uint8Array): string {
  const uncompressed =
    publicKey.length === 65 ? publicKey : secp256k1.Point.fromBytes(publicKey).toBytes(false);
  return `0x${bytesToHex(keccak_256(uncompressed.subarray(1)).subarray(12))}`;
}

export function addressOfSecretKey(secretKey: Uint8Array): string {
  return addressOfPublicKey(secp256k1.getPublicKey(secretKey, false));
}

export function parseSecretKey(hex: string): Uint8Array {
  const clean = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (!/^[0-9a-fA-F]{64}$/.test(clean))
    throw daError("BAD_REQUEST", "a secp256k1 secret key is 32 bytes of hex");
  return hexToBytes(clean);
}

export function normaliseAddress(address: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw daError("BAD_REQUEST", `not a 20-byte address: ${address}`);
  return address.toLowerCase();
}

/** personal_sign: a 65-byte r || s || v signature as 0x hex. */
export function personalSign(secretKey: Uint8Array, message: string): string {
  const sig = secp256k1.sign(personalMessageHash(message), secretKey, {
    prehash: false,
    format: "recovered",
  });
  // noble puts the recovery byte first; Ethereum puts it last, as 27 + recovery.
  const out = new Uint8Array(65);
  out.set(sig.subarray(1, 65), 0);
  out[64] = 27 + sig[0]!;
  return `0x${bytesToHex(out)}`;
}

/** The address that produced `signature` over `message`; throws BAD_SIGNATURE if none can. */
export function recoverPersonalSigner(message: string, signature: string): string {
  const clean = signature.startsWith("0x") ? signature.slice(2) : signature;
  if (!/^[0-9a-fA-F]{130}$/.test(clean)) throw daError("BAD_SIGNATURE", "signature must be 65 bytes of hex");
  const raw = hexToBytes(clean);
  const v = raw[64]!;
  const recovery = v >= 27 ? v - 27 : v;
  if (recovery !== 0 && recovery !== 1)
    throw daError("BAD_SIGNATURE", `signature recovery id ${v} is invalid`);
  const recovered = new Uint8Array(65);
  recovered[0] = recovery;
  recovered.set(raw.subarray(0, 64), 1);
  try {
    const publicKey = secp256k1.recoverPublicKey(recovered, personalMessageHash(message), { prehash: false });
    return addressOfPublicKey(publicKey);
  } catch (err) {
    throw daError("BAD_SIGNATURE", "signature does not recover to any key", err);
  }
}

/** Builds and signs a request (used by the CLI, tests and any Node or browser client). */
export function signRequest(
  secretKey: Uint8Array,
  fields: Omit<SignedRequestFields, "owner" | "timestamp" | "nonce"> &
    Partial<Pick<SignedRequestFields, "timestamp" | "nonce">>,
): SignedRequest {
  const nonceBytes = new Uint8Array(16);
  crypto.getRandomValues(nonceBytes);
  const full: SignedRequestFields = {
    action: fields.action,
    cid: fields.cid,
    owner: addressOfSecretKey(secretKey),
    timestamp: fields.timestamp ?? Math.floor(Date.now() / 1000),
    nonce: fields.nonce ?? bytesToHex(nonceBytes),
  };
  return { ...full, signature: personalSign(secretKey, requestMessage(full)) };
}

export const AUTH_HEADERS = {
  owner: "x-darwin-owner",
  cid: "x-darwin-cid",
  timestamp: "x-darwin-timestamp",
  nonce: "x-darwin-nonce",
  signature: "x-darwin-signature",
} as const;

export function authHeaders(request: SignedRequest): Record<string, string> {
  return {
    [AUTH_HEADERS.owner]: request.owner,
    [AUTH_HEADERS.cid]: request.cid,
    [AUTH_HEADERS.timestamp]: String(request.timestamp),
    [AUTH_HEADERS.nonce]: request.nonce,
    [AUTH_HEADERS.signature]: request.signature,
  };
}
