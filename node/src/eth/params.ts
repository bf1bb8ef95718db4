import { fromHex, isHex } from "@darwin/scale";
import { RpcError } from "../rpc/server/index.ts";

export function bytesParam(value: unknown, name: string, length?: number): Uint8Array {
  if (typeof value !== "string" || !isHex(value))
    throw RpcError.invalidParams(`invalid argument: ${name} must be a 0x-prefixed hex string`);
  const bytes = fromHex(value);
  if (length !== undefined && bytes.length !== length)
    throw RpcError.invalidParams(`invalid argument: ${name} must be ${length} bytes, got ${bytes.length}`);
  return bytes;
}

export function addressParam(value: unknown, name: string): Uint8Array {
  return bytesParam(value, name, 20);
}

export function hashParam(value: unknown, name: string): Uint8Array {
  return bytesParam(value, name, 32);
}

/** A hex (or decimal) quantity. */
export function quantityParam(value: unknown, name: string): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === "string" && /^0x[0-9a-fA-F]+$/.test(value)) return BigInt(value);
  if (typeof value === "string" && /^[0-9]+$/.test(value)) return BigInt(value);
  throw RpcError.invalidParams(`invalid argument: ${name} must be a hex quantity`);
}

export function optionalQuantity(value: unknown, name: string): bigint | undefined {
  return value === undefined || value === null ? undefined : quantityParam(value, name);
}

/** 32-byte storage slot from a quantity or hash. */
export function slotParam(value: unknown, name: string): Uint8Array {
  const n = quantityParam(value, name);
  if (n >= 2n ** 256n) throw RpcError.invalidParams(`invalid argument: ${name} exceeds 32 bytes`);
  return fromHex(`0x${n.toString(16).padStart(64, "0")}`);
}
