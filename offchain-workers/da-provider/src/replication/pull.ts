import type { Logger } from "@darwin/observability";
import type { CID } from "multiformats/cid";
import { daError, isDaError } from "../errors.ts";
import type { CarImportResult, DaRepo } from "../store/repo.ts";

export interface PullOpts {
  /** Base URL of the peer provider's gateway, e.g. `http://127.0.0.1:8080`. */
  readonly peer: string;
  readonly cid: CID;
  /** Pin the DAG for this owner once it is complete here. */
  readonly owner?: string;
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
}

/**
 * Pulls the DAG `cid` from a peer's trustless gateway as a CAR and imports it: every block is hashed
 * against its CID and the DAG must be complete, so a peer can delay a pull but never corrupt one.
 * PEER_UNAVAILABLE when the peer cannot be reached or does not have the DAG.
 */
export async function pullFromPeer(repo: DaRepo, opts: PullOpts, logger?: Logger): Promise<CarImportResult> {
  const url = `${opts.peer.replace(/\/+$/, "")}/ipfs/${opts.cid.toString()}?format=car`;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: "application/vnd.ipld.car" },
      signal: AbortSignal.timeout(opts.timeoutMs ?? 600_000),
    });
  } catch (err) {
    throw daError("PEER_UNAVAILABLE", `peer ${opts.peer} did not answer: ${String(err)}`, err);
  }
  if (res.status !== 200 || res.body === null) {
    await res.body?.cancel();
    throw daError("PEER_UNAVAILABLE", `peer ${opts.peer} answered ${res.status} for ${opts.cid.toString()}`);
  }
  try {
    const importOpts: { owner?: string; maxBytes?: number; expectRoot: CID } = { expectRoot: opts.cid };
    if (opts.owner !== undefined) importOpts.owner = opts.owner;
    if (opts.maxBytes !== undefined) importOpts.maxBytes = opts.maxBytes;
    const result = await repo.importCar(res.body as AsyncIterable<Uint8Array>, importOpts);
    logger?.info(
      { cid: opts.cid.toString(), peer: opts.peer, blocks: result.blocks },
      "replicated from peer",
    );
    return result;
  } catch (err) {
    // A connection cut mid-body looks like a truncated CAR; it is the peer's fault, and worth a retry.
    if (isDaError(err) || err instanceof Error) throw err;
    throw daError("PEER_UNAVAILABLE", `pull from ${opts.peer} failed: ${String(err)}`, err);
  }
}
