import { DigestItem, type Header } from "@darwin/pallets/support";
import { encode, fromHex, isHex, toHex } from "@darwin/scale";
import { RpcError } from "../server/index.ts";

/** Validates a hex parameter at the edge. */
export function hexParam(
  value: unknown,
  name: string,
  opts: { length?: number; optional?: false },
): Uint8Array;
export function hexParam(
  value: unknown,
  name: string,
  opts: { length?: number; optional: true },
): Uint8Array | undefined;
export function hexParam(
  value: unknown,
  name: string,
  opts: { length?: number; optional?: boolean } = {},
): Uint8Array | undefined {
  if (value === undefined || value === null) {
    if (opts.optional) return undefined;
    throw RpcError.invalidParams(`missing parameter ${name}`);
  }
  if (!isHex(value)) throw RpcError.invalidParams(`${name} must be a 0x-prefixed hex string`);
  const bytes = fromHex(value);
  if (opts.length !== undefined && bytes.length !== opts.length) {
    throw RpcError.invalidParams(`${name} must be ${opts.length} bytes`);
  }
  return bytes;
}

export function numberParam(value: unknown, name: string): number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === "string" && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) return Number(value);
  throw RpcError.invalidParams(`${name} must be a non-negative integer`);
}

export function headerJson(h: Header) {
  return {
    parentHash: toHex(h.parentHash),
    number: `0x${h.number.toString(16)}`,
    stateRoot: toHex(h.stateRoot),
    extrinsicsRoot: toHex(h.extrinsicsRoot),
    digest: { logs: h.digest.logs.map((l) => toHex(encode(DigestItem, l))) },
  };
}
