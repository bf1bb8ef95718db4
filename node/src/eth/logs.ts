import { keccak256 } from "@darwin/crypto";
import { bytesEqual } from "@darwin/scale";
import { RpcError } from "../rpc/server/index.ts";
import { logJson } from "./format.ts";
import type { EthBlockData } from "./index-store.ts";
import { addressParam, hashParam } from "./params.ts";

/** A log filter: addresses (any of), and per topic position any of a set (null = anything). */
export interface LogCriteria {
  readonly addresses: readonly Uint8Array[] | undefined;
  readonly topics: readonly (readonly Uint8Array[] | null)[];
}

export function parseCriteria(f: { address?: unknown; topics?: unknown }): LogCriteria {
  let addresses: Uint8Array[] | undefined;
  if (Array.isArray(f.address)) addresses = f.address.map((a, i) => addressParam(a, `address[${i}]`));
  else if (f.address !== undefined && f.address !== null) addresses = [addressParam(f.address, "address")];
  const topics: (Uint8Array[] | null)[] = [];
  if (f.topics !== undefined && f.topics !== null) {
    if (!Array.isArray(f.topics)) throw RpcError.invalidParams("topics must be an array");
    if (f.topics.length > 4) throw RpcError.invalidParams("at most 4 topic positions");
    f.topics.forEach((t, i) => {
      if (t === null || t === undefined) topics.push(null);
      else if (Array.isArray(t))
        topics.push(t.length === 0 ? null : t.map((x, j) => hashParam(x, `topics[${i}][${j}]`)));
      else topics.push([hashParam(t, `topics[${i}]`)]);
    });
  }
  return { addresses, topics };
}

/** Whether the 2048-bit bloom may contain `item` (the three bits Ethereum sets per entry). */
export function bloomMayContain(bloom: Uint8Array, item: Uint8Array): boolean {
  const h = keccak256(item);
  for (let i = 0; i < 6; i += 2) {
    const bit = ((h[i]! << 8) | h[i + 1]!) & 2047;
    const byte = 255 - (bit >> 3);
    if ((bloom[byte]! & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}

/** The bloom check that lets a block be skipped without reading its receipts. */
export function blockMayMatch(bloom: Uint8Array, c: LogCriteria): boolean {
  if (c.addresses && c.addresses.length > 0 && !c.addresses.some((a) => bloomMayContain(bloom, a)))
    return false;
  for (const alternatives of c.topics) {
    if (alternatives && !alternatives.some((t) => bloomMayContain(bloom, t))) return false;
  }
  return true;
}

export function logMatches(
  log: { address: Uint8Array; topics: readonly Uint8Array[] },
  c: LogCriteria,
): boolean {
  if (c.addresses && c.addresses.length > 0 && !c.addresses.some((a) => bytesEqual(a, log.address)))
    return false;
  for (let i = 0; i < c.topics.length; i++) {
    const alternatives = c.topics[i];
    if (!alternatives) continue;
    const t = log.topics[i];
    if (!t || !alternatives.some((a) => bytesEqual(a, t))) return false;
  }
  return true;
}

/** The logs of one block that match, in JSON form. */
export function blockLogs(block: EthBlockData, c: LogCriteria): Record<string, unknown>[] {
  if (!blockMayMatch(block.block.header.logsBloom, c)) return [];
  const out: Record<string, unknown>[] = [];
  let logIndex = 0;
  block.statuses.forEach((s, txIndex) => {
    for (const log of s.logs) {
      if (logMatches(log, c)) out.push(logJson(block, txIndex, logIndex, log));
      logIndex++;
    }
  });
  return out;
}
