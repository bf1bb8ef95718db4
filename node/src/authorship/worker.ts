// The authorship worker: builds blocks on a thread of its own, so the node's main thread keeps
// answering RPC (and validating submissions) meanwhile. It runs the same runtime on the same
// database (read-only, through lmdb's shared environment) and hands back the header, body and the
// new trie nodes; the main thread seals and commits them.
import { parentPort, workerData } from "node:worker_threads";
import { cryptoReady } from "@darwin/crypto";
import { ethereum } from "@darwin/pallets";
import { DarwinRuntime } from "@darwin/runtime-spec";
import { BlockState } from "../chain/block-state.ts";
import { buildOnState } from "../chain/build.ts";
import { orderedTrieRoot } from "../chain-spec/index.ts";
import { openStateView, type StateViewOpts } from "../db/index.ts";
import { compactForTransfer, type WorkerBuildMessage, type WorkerReply } from "./interface.ts";

const port = parentPort;
if (!port) throw new Error("the authorship worker runs only as a worker thread");

await cryptoReady();
const runtime = new DarwinRuntime({ orderedTrieRoot });
const view = openStateView(workerData as StateViewOpts);
const reply = (m: WorkerReply) => port.postMessage(m);

// The producer sends one build at a time; the queue keeps that true whatever arrives.
let queue: Promise<void> = Promise.resolve();
port.on("message", (msg: WorkerBuildMessage) => {
  queue = queue.then(async () => {
    try {
      view.refresh();
      ethereum.senderMemo.seed(msg.signers);
      const state = new BlockState(view.stateAt(msg.parentStateRoot), msg.parentStateRoot, view.nodeStore);
      const built = await buildOnState(runtime, state, {
        parent: msg.parent,
        preRuntime: msg.preRuntime,
        inherentData: msg.inherentData,
        candidates: msg.candidates,
        ...(msg.maxExtrinsics !== undefined ? { maxExtrinsics: msg.maxExtrinsics } : {}),
      });
      reply({
        id: msg.id,
        ok: compactForTransfer(built),
        signersReused: ethereum.senderMemo.takeReused(),
      });
    } catch (err) {
      reply({ id: msg.id, err: err instanceof Error ? err.message : String(err) });
    }
  });
});
reply({ ready: true });
