/**
 * Answers one thread of the node computed, handed to another that is about to compute them again.
 * The authorship worker re-executes the transactions the RPC thread has just validated, and a
 * deterministic result (a recovered signer) computed there is the answer here. One side records
 * (`record(true)`, then `take()` what was noted since), the other is seeded with those entries and
 * uses each once. Both sides are bounded by `limit`: the recording side drops its oldest half, the
 * seeded side starts afresh (entries never used are answers to transactions that were dropped).
 */
export class ThreadMemo<V> {
  private recording = false;
  private recorded: [string, V][] = [];
  private seeded = new Map<string, V>();
  private reused = 0;
  private readonly limit: number;

  constructor(limit = 50_000) {
    this.limit = limit;
  }

  /** Whether `note` keeps entries (and so whether callers need to build keys at all). */
  get active(): boolean {
    return this.recording || this.seeded.size > 0;
  }

  record(on: boolean): void {
    this.recording = on;
    if (!on) this.recorded = [];
  }

  note(key: string, value: V): void {
    if (!this.recording) return;
    if (this.recorded.length >= this.limit) this.recorded = this.recorded.slice(this.limit / 2);
    this.recorded.push([key, value]);
  }

  /** What was noted since the last call. */
  take(): [string, V][] {
    const out = this.recorded;
    this.recorded = [];
    return out;
  }

  seed(entries: readonly (readonly [string, V])[]): void {
    if (this.seeded.size + entries.length > this.limit) this.seeded = new Map();
    for (const [k, v] of entries) this.seeded.set(k, v);
  }

  /** The seeded answer for `key`, at most once. */
  use(key: string): V | undefined {
    const v = this.seeded.get(key);
    if (v !== undefined) {
      this.seeded.delete(key);
      this.reused++;
    }
    return v;
  }

  /** How many seeded entries have answered so far (and resets the count). */
  takeReused(): number {
    const n = this.reused;
    this.reused = 0;
    return n;
  }
}
