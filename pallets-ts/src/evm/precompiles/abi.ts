import {
  type Abi,
  decodeFunctionData,
  encodeAbiParameters,
  encodeFunctionResult,
  toEventSelector,
} from "viem";
import { type PrecompileHandle, PrecompileRevert } from "./framework.ts";

export const hexOf = (b: Uint8Array): `0x${string}` => `0x${Buffer.from(b).toString("hex")}`;
export const bytesOf = (h: `0x${string}`): Uint8Array => Uint8Array.from(Buffer.from(h.slice(2), "hex"));

/** Decodes the call against the precompile's ABI; unknown selectors and bad encodings revert. */
export function decodeCall(abi: Abi, input: Uint8Array): { functionName: string; args: readonly unknown[] } {
  try {
    const { functionName, args } = decodeFunctionData({ abi, data: hexOf(input) });
    return { functionName, args: (args ?? []) as readonly unknown[] };
  } catch {
    throw new PrecompileRevert(input.length < 4 ? "input too short" : "unknown selector or malformed input");
  }
}

export function encodeResult(abi: Abi, functionName: string, result: unknown): Uint8Array {
  return bytesOf(encodeFunctionResult({ abi, functionName, result } as never));
}

export function topicOf(signature: string): Uint8Array {
  return bytesOf(toEventSelector(signature));
}

export function addressTopic(a: Uint8Array): Uint8Array {
  const t = new Uint8Array(32);
  t.set(a, 12);
  return t;
}

export function abiEncode(types: readonly { type: string }[], values: readonly unknown[]): Uint8Array {
  return bytesOf(encodeAbiParameters(types as never, values as never));
}

export function ensureNotStatic(h: PrecompileHandle): void {
  if (h.isStatic) throw new PrecompileRevert("cannot modify state in a static call");
}

export function ensureNoValue(h: PrecompileHandle): void {
  if (h.value !== 0n) throw new PrecompileRevert("function is not payable");
}
