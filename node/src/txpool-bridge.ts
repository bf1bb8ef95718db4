import { blake2_256 } from "@darwin/crypto";
import type { Logger, Registry } from "@darwin/observability";
import { callRuntimeApi, decodeExtrinsic, TransactionValidityCodec } from "@darwin/runtime-spec";
import { decode } from "@darwin/scale";
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
    async validate(xt, at, source): Promise<ValidationResult> {
      const input = new Uint8Array(1 + xt.length + 32);
      input[0] = source === "InBlock" ? 0 : source === "Local" ? 1 : 2;
      input.set(xt, 1);
      input.set(at.hash, 1 + xt.length);
      const out = await callRuntimeApi(
        chain.runtime,
        chain.stateAt(at.hash).ext,
        "TaggedTransactionQueue_validate_transaction",
        input,
      );
      const r = decode(TransactionValidityCodec, out);
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
      let next = onChain;
      for (const tx of pool.pending()) {
        try {
          const x = decodeExtrinsic(chain.runtime.composed.callCodec, tx.data);
          if (
            x.signed &&
            Buffer.compare(Buffer.from(x.signed.signer), Buffer.from(who)) === 0 &&
            x.signed.extra.nonce >= next
          ) {
            next = x.signed.extra.nonce + 1;
          }
        } catch {
          // Undecodable transactions never enter the pool; nothing to count.
        }
      }
      return next;
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
