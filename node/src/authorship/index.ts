import { Worker } from "node:worker_threads";
import type { Logger } from "@darwin/observability";
import { ethereum } from "@darwin/pallets";
import { type BuildRequest, type BuiltBlock, type Chain, ChainError, hashHeader } from "../chain/chain.ts";
import type { StateViewOpts } from "../db/index.ts";
import {
  type BlockBuilder,
  compactForTransfer,
  type WorkerBuildMessage,
  type WorkerReply,
} from "./interface.ts";

export type { BlockBuilder } from "./interface.ts";

/** Builds on the node's own thread (block building yields every few ms to pending I/O). */
export function inlineBlockBuilder(chain: Chain): BlockBuilder {
  return { build: (req) => chain.buildBlock(req), stop: async () => {} };
}

/**
 * Builds on the authorship worker thread, so that RPC and transaction validation on the main thread
 * run in parallel with block building. If the worker fails, the block (and every later one) is built
 * on the main thread instead, and the failure is logged: authoring never stops for it.
 */
export class WorkerBlockBuilder implements BlockBuilder {
  private readonly worker: Worker;
  private readonly chain: Chain;
  private readonly log: Logger;
  private readonly inline: BlockBuilder;
  private readonly pending = new Map<
    number,
    { resolve: (b: BuiltBlock) => void; reject: (e: Error) => void }
  >();
  private readonly ready: Promise<void>;
  private nextId = 1;
  private broken: string | undefined;
  /** Signers the worker took from this thread instead of recovering them again. */
  signersReused = 0;

  constructor(opts: StateViewOpts, modules: { chain: Chain; logger: Logger }) {
    this.chain = modules.chain;
    this.log = modules.logger.child({ module: "authorship" });
    this.inline = inlineBlockBuilder(modules.chain);
    this.worker = new Worker(new URL("./worker.ts", import.meta.url), { workerData: opts });
    // The worker re-executes what this thread validated: hand it the signers recovered meanwhile.
    ethereum.senderMemo.record(true);
    let markReady!: () => void;
    this.ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    this.worker.on("message", (m: WorkerReply) => {
      if ("ready" in m) {
        markReady();
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if ("err" in m) p.reject(new ChainError("BadBlock", m.err));
      else {
        this.signersReused += m.signersReused;
        p.resolve({ ...m.ok, hash: hashHeader(m.ok.header) });
      }
    });
    const fail = (why: string) => {
      if (this.broken === undefined)
        this.log.error({ err: why }, "authorship worker failed; building blocks on the main thread");
      this.broken = why;
      markReady();
      for (const p of this.pending.values()) p.reject(new Error(why));
      this.pending.clear();
    };
    this.worker.on("error", (err) => fail(String(err)));
    this.worker.on("exit", (code) => {
      if (code !== 0) fail(`authorship worker exited with code ${code}`);
    });
  }

  async build(req: BuildRequest): Promise<BuiltBlock> {
    await this.ready;
    if (this.broken !== undefined) return this.inline.build(req);
    const parentHeader = this.chain.header(req.parent.hash);
    if (!parentHeader) throw new ChainError("UnknownBlock", "unknown parent");
    const id = this.nextId++;
    const msg: WorkerBuildMessage = compactForTransfer({
      id,
      parentStateRoot: parentHeader.stateRoot,
      parent: { hash: req.parent.hash, number: req.parent.number },
      preRuntime: req.preRuntime,
      inherentData: new Map(req.inherentData),
      candidates: [...req.candidates].map((c) => ({ hash: c.hash, bytes: c.bytes })),
      ...(req.maxExtrinsics !== undefined ? { maxExtrinsics: req.maxExtrinsics } : {}),
      signers: ethereum.senderMemo.take(),
    });
    try {
      return await new Promise<BuiltBlock>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        this.worker.postMessage(msg);
      });
    } catch (err) {
      if (this.broken === undefined) throw err;
      return this.inline.build(req);
    }
  }

  async stop(): Promise<void> {
    ethereum.senderMemo.record(false);
    this.worker.removeAllListeners("exit");
    await this.worker.terminate();
  }
}
