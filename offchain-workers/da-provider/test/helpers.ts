import { type Block, blocksOf } from "@darwin/content-id";
import { parseSecretKey } from "../src/index.ts";

/** Dev accounts: Alith and Baltathar (see DARWIN.md). */
export const ALITH_KEY = parseSecretKey("0x5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133");
export const ALITH = "0xf24ff3a9cf04c71dbc94d0b566f7a27b94566cac";
export const BALTATHAR_KEY = parseSecretKey(
  "0x8075991ce870b93a8870eca0c0f91913d12f47948ca0fd25b49c6fa7cdbeee8b",
);

/** Deterministic bytes that never repeat at chunk boundaries (so every leaf is distinct). */
export function pseudoRandom(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return new Uint8Array(Buffer.concat(parts));
}

export async function blocksOfBytes(bytes: Uint8Array): Promise<Block[]> {
  const blocks: Block[] = [];
  for await (const block of blocksOf(bytes)) blocks.push(block);
  return blocks;
}

export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "no error";
  } catch (err) {
    return (err as { code?: string }).code ?? `untyped: ${String(err)}`;
  }
}
