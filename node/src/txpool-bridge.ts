import { blake2_256 } from "@darwin/crypto";
import type { Logger, Registry } from "@darwin/observability";
import type { Chain } from "./chain/chain.ts";
import type { ReadySource } from "./consensus/producer.ts";
import type { PoolApi, TxStatus } from "./rpc/handlers/index.ts";
import { TransactionPool } from "./txpool/index.ts";
import type { PoolValidator, ValidationResult } from "./txpool/interface.ts";

/**
 * Wires the transaction pool to the chain: validation through the runtime API at a block, block
 * import and finality notifications, and the views the RPC and the block producer need.
 */
export function createPoolBridge(deps: { chain: Chain; registry: Registry; logger: Logger }) {
  const { chain } = deps;
  const validator: PoolValidator = {
    // `TaggedTransactionQueue_validate_transaction`, called in-process: the SCALE round trip of its
    // arguments and answer is what `state_call` needs, not the pool (it cost ~20 us per submission).
    // The runtime ignores the source, as Substrate's does for these checks. Validation runs in a
    // storage layer that is always rolled back, so the block's shared read state serves every one.
    async validate(xt, at): Promise<ValidationResult> {
      const r = await chain.runtime.validateTransaction(chain.readState(at.hash).ext, xt, at.hash);
      return "ok" in r ? { ok: r.ok } : { err: r.err as never };
    },
  };
  const pool = new TransactionPool(
    {},
    { validator, logger: deps.logger, registry: deps.registry, clock: { now: Date.now } },
  );
  const readyListeners: (() => void)[] = [];
  const notifyReady = () => {
    for (const l of readyListeners) l();
  };
  const at = () => chain.best();

  chain.on("imported", (b) => {
    const extrinsicHashes = b.extrinsics.map((x) => blake2_256(x));
    pool
      .onBlockImported({
        hash: b.hash,
        number: b.number,
        parentHash: b.header.parentHash,
        extrinsicHashes,
        extrinsics: b.extrinsics,
      })
      .then(() => {
        if (pool.status().ready > 0) notifyReady();
      })
      .catch((err: unknown) => deps.logger.warn({ err: String(err) }, "pool maintenance failed"));
  });
  chain.on("finalized", (b) => {
    const xts = chain.extrinsics(b.hash) ?? [];
    pool.onBlockFinalized(
      b.hash,
      xts.map((x) => blake2_256(x)),
    );
  });

  const api: PoolApi = {
    async submit(xt) {
      const hash = await pool.submit(xt, at(), "External");
      notifyReady();
      return hash;
    },
    async submitAndWatch(xt, onStatus: (s: TxStatus) => void) {
      const watched = await pool.submitAndWatch(xt, at(), "External");
      const off = watched.watch((s) => onStatus(s as TxStatus));
      notifyReady();
      return { hash: watched.hash, unwatch: off };
    },
    pending: () => pool.pending().map((t) => t.data),
    remove: (hashes) => pool.removeInvalid(hashes),
    nextNonce(who, onChain) {
      // The runtime tags a transaction (signer ++ u32 LE nonce); follow the ready chain from on-chain.
      let next = onChain;
      const tag = new Uint8Array(24);
      tag.set(who, 0);
      const view = new DataView(tag.buffer);
      for (;;) {
        view.setUint32(20, next, true);
        if (!pool.readyProvides(tag)) return next;
        next++;
      }
    },
    status: () => pool.status(),
  };

  const readySource: ReadySource = {
    *ready() {
      for (const tx of pool.ready()) yield { hash: tx.hash, bytes: tx.data };
    },
    blockBuilt(_block, _included, invalid) {
      if (invalid.length > 0) pool.removeInvalid([...invalid]);
    },
    onReadyChange(listener) {
      readyListeners.push(listener);
    },
  };

  return { pool, api, readySource, stop: () => undefined };
}
