/** Limits and timings of the pool; defaults follow Substrate's `--pool-limit`/`--pool-kbytes`/`--tx-ban-seconds`. */
export interface PoolOptions {
  /** Maximum number of ready transactions (Substrate `--pool-limit`, default 8192). */
  readonly readyLimit: number;
  /** Maximum total encoded size of ready transactions (Substrate `--pool-kbytes`, default 20 MiB). */
  readonly readyBytesLimit: number;
  /** Maximum number of future transactions (waiting for a nonce gap to fill). */
  readonly futureLimit: number;
  readonly futureBytesLimit: number;
  /** How long an invalid or just-included transaction is refused (`--tx-ban-seconds`, default 30 min). */
  readonly banTimeMs: number;
  /** Largest single transaction accepted; bigger ones are refused before validation. */
  readonly maxTxBytes: number;
  /**
   * How many pool transactions are revalidated after each imported block, oldest-validated first.
   * Substrate revalidates in bounded background batches too: revalidating everything on every block
   * would cost one runtime call (signature check included) per pooled transaction per block.
   * Pruning by tags already handles what blocks include; this batch catches the rest (balances
   * drained, nonces used by transactions the pool never saw) within a few blocks.
   */
  readonly revalidationBatchSize: number;
  /**
   * Least time between two such background batches (Substrate's revalidation worker waits 200 ms).
   * Transactions that conflict with an imported block are revalidated at every block regardless;
   * without the interval, a node sealing a block every few ms would revalidate its whole pool
   * (one runtime call each) on every one of them.
   */
  readonly revalidationIntervalMs: number;
  /** Blocks after `inBlock` without finality before a watcher gets `finalityTimeout` (Substrate: 512). */
  readonly finalityTimeoutBlocks: number;
}

export const defaultPoolOptions: PoolOptions = {
  readyLimit: 8192,
  readyBytesLimit: 20 * 1024 * 1024,
  futureLimit: 512,
  futureBytesLimit: 2 * 1024 * 1024,
  banTimeMs: 30 * 60 * 1000,
  maxTxBytes: 5 * 1024 * 1024,
  revalidationBatchSize: 64,
  revalidationIntervalMs: 200,
  finalityTimeoutBlocks: 512,
};

export class PoolOptionsError extends Error {
  readonly code = "InvalidPoolOptions";
}

/** Fills defaults and rejects values that would make the pool misbehave (negative, NaN, fractional). */
export function resolvePoolOptions(partial: Partial<PoolOptions> = {}): PoolOptions {
  const resolved: PoolOptions = { ...defaultPoolOptions, ...stripUndefined(partial) };
  for (const [key, value] of Object.entries(resolved)) {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      throw new PoolOptionsError(`pool option ${key} must be a non-negative integer, got ${String(value)}`);
    }
  }
  return resolved;
}

function stripUndefined(partial: Partial<PoolOptions>): Partial<PoolOptions> {
  return Object.fromEntries(
    Object.entries(partial).filter(([, v]) => v !== undefined),
  ) as Partial<PoolOptions>;
}
