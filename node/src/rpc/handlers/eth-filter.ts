import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { toHex } from "@darwin/scale";
import { type EthDeps, loadBlock, resolveBlock, serverError } from "../../eth/context.ts";
import { headJson, txJson } from "../../eth/format.ts";
import type { EthBlockData } from "../../eth/index-store.ts";
import { blockLogs, type LogCriteria, parseCriteria } from "../../eth/logs.ts";
import { RpcError, type RpcMethodTable } from "../server/index.ts";

export interface EthFilterOptions {
  /** Most blocks one eth_getLogs may scan. */
  readonly maxBlockRange: number;
  /** Most logs one eth_getLogs may return. */
  readonly maxLogs: number;
  /** Most installed filters; the oldest is dropped beyond it. */
  readonly maxFilters: number;
  /** A filter not polled for this long is removed (geth: 5 minutes). */
  readonly filterTimeoutMs: number;
}

export const DEFAULT_ETH_FILTER_OPTIONS: EthFilterOptions = {
  maxBlockRange: 2048,
  maxLogs: 10_000,
  maxFilters: 500,
  filterTimeoutMs: 5 * 60_000,
};

type Filter =
  | { kind: "block"; next: number; polled: number }
  | { kind: "pending"; hashes: Uint8Array[]; polled: number }
  | {
      kind: "logs";
      criteria: LogCriteria;
      from: unknown;
      to: unknown;
      blockHash: unknown;
      next: number;
      polled: number;
    };

/** eth_getLogs, the poll filters and eth_subscribe. */
export function ethFilterMethods(
  d: EthDeps,
  opts: EthFilterOptions = DEFAULT_ETH_FILTER_OPTIONS,
): RpcMethodTable {
  const { chain, index } = d;
  // For display: transactions already in blocks, whose signers the authorship worker does not need.
  const decode = (raw: Uint8Array) =>
    chain.runtime.pallets.frontier.ethereum.decode(raw, { noteSigner: false });
  const filters = new Map<string, Filter>();

  const blockAt = (n: number): EthBlockData | undefined => {
    const hash = chain.hashAt(n);
    return hash ? index.load(hash) : undefined;
  };

  /** Logs of canonical blocks from..to (inclusive) matching, within the caps. */
  const logsInRange = (from: number, to: number, c: LogCriteria) => {
    if (to < from) return [];
    if (to - from + 1 > opts.maxBlockRange)
      throw new RpcError(-32005, `block range too large: at most ${opts.maxBlockRange} blocks per query`, {
        maxBlockRange: opts.maxBlockRange,
      });
    const out: Record<string, unknown>[] = [];
    for (let n = from; n <= to; n++) {
      const block = blockAt(n);
      if (!block) continue;
      out.push(...blockLogs(block, c));
      if (out.length > opts.maxLogs)
        throw new RpcError(-32005, `query returned more than ${opts.maxLogs} results`, {
          maxLogs: opts.maxLogs,
        });
    }
    return out;
  };

  const blockNumberOf = (param: unknown, fallback: number): number => {
    if (param === undefined || param === null) return fallback;
    const b = resolveBlock(chain, index, param);
    if (b) return b.number;
    // A number past the head is clamped (nothing there yet), an unknown hash is an error.
    if (typeof param === "string" && param.length === 66) throw serverError("unknown block");
    return chain.best().number;
  };

  const getLogs = (f: Record<string, unknown>) => {
    const c = parseCriteria(f);
    if (f.blockHash !== undefined && f.blockHash !== null) {
      if (f.fromBlock !== undefined || f.toBlock !== undefined)
        throw RpcError.invalidParams("invalid argument: blockHash excludes fromBlock and toBlock");
      const block = loadBlock(index, resolveBlock(chain, index, f.blockHash));
      if (!block) throw serverError("unknown block");
      return blockLogs(block, c);
    }
    const best = chain.best().number;
    const from = blockNumberOf(f.fromBlock, best);
    const to = blockNumberOf(f.toBlock, best);
    return logsInRange(from, to, c);
  };

  const filterParam = (v: unknown): Record<string, unknown> => {
    if (v === undefined || v === null) return {};
    if (typeof v !== "object") throw RpcError.invalidParams("invalid argument 0: expected a filter object");
    return v as Record<string, unknown>;
  };

  const install = (f: Filter): string => {
    const now = Date.now();
    for (const [id, old] of filters) if (now - old.polled > opts.filterTimeoutMs) filters.delete(id);
    if (filters.size >= opts.maxFilters) {
      const oldest = filters.keys().next().value;
      if (oldest !== undefined) filters.delete(oldest);
    }
    const id = `0x${randomBytes(16).toString("hex")}`;
    filters.set(id, f);
    return id;
  };
  const filterOf = (id: unknown): Filter => {
    const f = typeof id === "string" ? filters.get(id.toLowerCase()) : undefined;
    if (!f) throw serverError("filter not found");
    f.polled = Date.now();
    return f;
  };

  // One chain listener fans new best blocks out to every newHeads/logs subscription.
  const heads = new EventEmitter<{ head: [EthBlockData] }>();
  heads.setMaxListeners(0);
  chain.on("best", (b) => {
    if (heads.listenerCount("head") === 0) return;
    const block = index.load(b.hash);
    if (block) heads.emit("head", block);
  });

  d.events.on("pendingTransaction", (hash) => {
    for (const f of filters.values())
      if (f.kind === "pending" && f.hashes.length < 10_000) f.hashes.push(hash);
  });

  return {
    eth_getLogs: { handler: (params) => getLogs(filterParam(params[0])) },
    eth_newFilter: {
      handler: (params) => {
        const f = filterParam(params[0]);
        const criteria = parseCriteria(f);
        const best = chain.best().number;
        const from =
          f.fromBlock === undefined || f.fromBlock === null ? best + 1 : blockNumberOf(f.fromBlock, best);
        return install({
          kind: "logs",
          criteria,
          from: f.fromBlock,
          to: f.toBlock,
          blockHash: f.blockHash,
          next: Math.min(from, best + 1),
          polled: Date.now(),
        });
      },
    },
    eth_newBlockFilter: {
      handler: () => install({ kind: "block", next: chain.best().number + 1, polled: Date.now() }),
    },
    eth_newPendingTransactionFilter: {
      handler: () => install({ kind: "pending", hashes: [], polled: Date.now() }),
    },
    eth_uninstallFilter: {
      handler: (params) => typeof params[0] === "string" && filters.delete(params[0].toLowerCase()),
    },
    eth_getFilterChanges: {
      handler: (params) => {
        const f = filterOf(params[0]);
        const best = chain.best().number;
        if (f.kind === "pending") {
          const out = f.hashes.map((h) => toHex(h));
          f.hashes = [];
          return out;
        }
        if (f.kind === "block") {
          const out: string[] = [];
          for (let n = f.next; n <= best; n++) {
            const block = blockAt(n);
            if (block) out.push(toHex(block.hash));
          }
          f.next = best + 1;
          return out;
        }
        const to = f.to === undefined || f.to === null ? best : Math.min(blockNumberOf(f.to, best), best);
        const from = Math.max(f.next, best - opts.maxBlockRange + 1);
        const out = logsInRange(from, to, f.criteria);
        f.next = Math.max(f.next, to + 1);
        return out;
      },
    },
    eth_getFilterLogs: {
      handler: (params) => {
        const f = filterOf(params[0]);
        if (f.kind !== "logs") throw serverError("filter not found: not a log filter");
        return getLogs({
          ...(f.blockHash !== undefined ? { blockHash: f.blockHash } : { fromBlock: f.from, toBlock: f.to }),
          address: f.criteria.addresses?.map((a) => toHex(a)),
          topics: f.criteria.topics.map((t) => (t ? t.map((x) => toHex(x)) : null)),
        });
      },
    },
    eth_subscribe: {
      subscription: {
        notification: "eth_subscription",
        unsubscribe: "eth_unsubscribe",
        idFormat: "hex",
        subscribe: (params, _ctx, sink) => {
          const kind = params[0];
          if (kind === "newHeads") {
            const listener = (block: EthBlockData) => sink.next(headJson(block, decode));
            heads.on("head", listener);
            return () => {
              heads.off("head", listener);
            };
          }
          if (kind === "logs") {
            const criteria = parseCriteria(filterParam(params[1]));
            const listener = (block: EthBlockData) => {
              for (const log of blockLogs(block, criteria)) sink.next(log);
            };
            heads.on("head", listener);
            return () => {
              heads.off("head", listener);
            };
          }
          if (kind === "newPendingTransactions") {
            const full = params[1] === true;
            const listener = (hash: Uint8Array, raw: Uint8Array) => {
              sink.next(full ? txJson(raw, decode, { block: undefined, index: undefined }) : toHex(hash));
            };
            d.events.on("pendingTransaction", listener);
            return () => {
              d.events.off("pendingTransaction", listener);
            };
          }
          if (kind === "syncing") {
            // This node never syncs from peers: it is always at its head.
            sink.next(false);
            return () => undefined;
          }
          throw RpcError.invalidParams(`unsupported subscription kind ${String(kind)}`);
        },
      },
    },
  };
}
