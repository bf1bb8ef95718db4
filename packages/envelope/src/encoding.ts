import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { ENVELOPE_VERSION, EnvelopeError, inspect, SUITE_NAME } from "./envelope.ts";

/** The JSON form of an envelope, for HTTP bodies and browser storage; `data` is the binary envelope. */
export interface EnvelopeJson {
  readonly type: "darwin-envelope";
  readonly version: number;
  readonly suite: string;
  /** base64 (standard alphabet, padded) of the binary envelope. */
  readonly data: string;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch (err) {
    throw new EnvelopeError("MALFORMED", "envelope data is not valid base64", { cause: err });
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function envelopeToJson(envelope: Uint8Array): EnvelopeJson {
  inspect(envelope);
  return { type: "darwin-envelope", version: ENVELOPE_VERSION, suite: SUITE_NAME, data: toBase64(envelope) };
}

/** Parses the JSON form (object or text) back to the binary envelope, checking its header. */
export function envelopeFromJson(json: unknown): Uint8Array {
  const value: unknown = typeof json === "string" ? parseJson(json) : json;
  if (typeof value !== "object" || value === null)
    throw new EnvelopeError("MALFORMED", "envelope JSON is not an object");
  const record = value as Record<string, unknown>;
  if (record.type !== "darwin-envelope" || typeof record.data !== "string") {
    throw new EnvelopeError("MALFORMED", 'envelope JSON needs type "darwin-envelope" and a string "data"');
  }
  const envelope = fromBase64(record.data);
  inspect(envelope);
  return envelope;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new EnvelopeError("MALFORMED", "envelope JSON does not parse", { cause: err });
  }
}

/** Keys travel as 0x-less lowercase hex (on chain, in config files). */
export function keyToHex(key: Uint8Array): string {
  return bytesToHex(key);
}

export function keyFromHex(hex: string): Uint8Array {
  const clean = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (!/^[0-9a-fA-F]{64}$/.test(clean)) throw new EnvelopeError("BAD_KEY", "a key is 64 hex characters");
  return hexToBytes(clean);
}
