import type { BuildRequest, BuiltBlock } from "../chain/chain.ts";

/** Builds (unsealed) blocks for the producer: on the node's own thread or on the authorship worker. */
export interface BlockBuilder {
  build(req: BuildRequest): Promise<BuiltBlock>;
  stop(): Promise<void>;
}

/** What the main thread sends the authorship worker: the request plus the parent's state root. */
export interface WorkerBuildMessage {
  readonly id: number;
  readonly parentStateRoot: Uint8Array;
  readonly parent: { readonly hash: Uint8Array; readonly number: number };
  readonly preRuntime: BuildRequest["preRuntime"];
  readonly inherentData: Map<string, Uint8Array>;
  readonly candidates: { readonly hash: Uint8Array; readonly bytes: Uint8Array }[];
  readonly maxExtrinsics?: number;
  /** Signers the main thread recovered since the last build (see `ethereum.senderMemo`). */
  readonly signers: [string, Uint8Array][];
}

export type WorkerReply =
  | { readonly ready: true }
  | { readonly id: number; readonly ok: Omit<BuiltBlock, "hash">; readonly signersReused: number }
  | { readonly id: number; readonly err: string };

/**
 * A copy of `value` in which every byte array owns exactly its bytes. Posting a view clones its
 * whole underlying buffer (a pooled encoder slab, a database read buffer), so views are sliced first.
 */
export function compactForTransfer<T>(value: T): T {
  if (value instanceof Uint8Array)
    return (
      value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : value.slice()
    ) as T;
  if (Array.isArray(value)) return value.map((v) => compactForTransfer(v)) as T;
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, compactForTransfer(v)])) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = compactForTransfer(v);
    return out as T;
  }
  return value;
}
