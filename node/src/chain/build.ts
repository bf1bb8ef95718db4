import type { Digest, Header } from "@darwin/pallets/support";
import type { ApplyExtrinsicResult, DarwinRuntime } from "@darwin/runtime-spec";
import type { BlockState } from "./block-state.ts";

/** How long block building runs before it lets other event-loop work in (ms of wall time). */
const BUILD_SLICE_MS = 2;

export interface Candidate {
  readonly hash: Uint8Array;
  readonly bytes: Uint8Array;
}

export interface BuildRequest {
  readonly parent: { readonly hash: Uint8Array; readonly number: number };
  readonly preRuntime: Digest["logs"];
  readonly inherentData: ReadonlyMap<string, Uint8Array>;
  readonly candidates: Iterable<Candidate>;
  readonly maxExtrinsics?: number;
}

/** A built (unsealed) block with the state it leads to: its root and the trie nodes to store. */
export interface BuildOutcome {
  readonly header: Header;
  readonly extrinsics: Uint8Array[];
  /** Pool hashes of the transactions included, and of those the runtime rejected. */
  readonly included: Uint8Array[];
  readonly invalid: { hash: Uint8Array; result: ApplyExtrinsicResult }[];
  readonly root: Uint8Array;
  readonly nodes: Map<string, Uint8Array>;
}

export class InherentFailedError extends Error {
  readonly code = "BadBlock";
}

/**
 * Builds a block on `state` (the parent's): inherents first, then candidates in order until the
 * limit or a full block. Each candidate runs in its own storage layer, so a rejected one leaves no
 * trace. Runs the same wherever it is called (the node's thread or the authorship worker).
 */
export async function buildOnState(
  runtime: DarwinRuntime,
  state: BlockState,
  req: BuildRequest,
): Promise<BuildOutcome> {
  const ext = state.ext;
  await runtime.initializeBlock(ext, {
    parentHash: req.parent.hash,
    number: req.parent.number + 1,
    stateRoot: new Uint8Array(32),
    extrinsicsRoot: new Uint8Array(32),
    digest: { logs: req.preRuntime },
  });
  const extrinsics: Uint8Array[] = [];
  for (const xt of runtime.inherentExtrinsics(req.inherentData)) {
    const r = await runtime.applyExtrinsic(ext, xt);
    if ("err" in r || "err" in r.ok) throw new InherentFailedError(`inherent failed: ${JSON.stringify(r)}`);
    extrinsics.push(xt);
  }
  const included: Uint8Array[] = [];
  const invalid: BuildOutcome["invalid"] = [];
  const max = req.maxExtrinsics ?? Number.POSITIVE_INFINITY;
  let slice = performance.now();
  for (const c of req.candidates) {
    if (included.length >= max) break;
    // A block of hundreds of EVM transactions takes hundreds of ms: on the node's own thread, RPC
    // requests (new submissions above all) get a turn every few ms instead of waiting throughout.
    if (performance.now() - slice > BUILD_SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      slice = performance.now();
    }
    ext.startTransaction();
    const r = await runtime.applyExtrinsic(ext, c.bytes);
    if ("err" in r) {
      ext.rollbackTransaction();
      // A full block is not the transaction's fault: it waits for the next block.
      if (r.err.type === "Invalid" && r.err.value.type === "ExhaustsResources") break;
      if (r.err.type === "Invalid" && r.err.value.type === "Future") continue;
      invalid.push({ hash: c.hash, result: r });
      continue;
    }
    ext.commitTransaction();
    extrinsics.push(c.bytes);
    included.push(c.hash);
  }
  const header = await runtime.finalizeBlock(ext);
  const { root, nodes } = state.commitData();
  return { header, extrinsics, included, invalid, root, nodes };
}
