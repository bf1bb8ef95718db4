import type { TxStatus } from "./interface.ts";

type Listener = (status: TxStatus) => void;

/** After these the transaction leaves the pool's care; the watcher ends. */
export function isTerminal(status: TxStatus): boolean {
  if (typeof status === "string") return status === "dropped" || status === "invalid";
  return "finalized" in status || "usurped" in status || "finalityTimeout" in status;
}

/**
 * The status stream of one submitted transaction. Statuses that happen before anyone listens
 * (the pool emits `ready` while `submitAndWatch` is still returning) are kept and replayed, so an
 * RPC server can first answer the subscription id and then attach.
 */
export class TxWatcher implements AsyncIterable<TxStatus> {
  readonly hash: Uint8Array;
  readonly hashHex: `0x${string}`;
  private readonly history: TxStatus[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly closeListeners = new Set<() => void>();
  private readonly detach: (watcher: TxWatcher) => void;
  private closed = false;

  constructor(hash: Uint8Array, hashHex: `0x${string}`, detach: (watcher: TxWatcher) => void) {
    this.hash = hash;
    this.hashHex = hashHex;
    this.detach = detach;
  }

  /** True once a terminal status was delivered or `unwatch()` was called. */
  get done(): boolean {
    return this.closed;
  }

  /** Every status so far, oldest first. */
  get statuses(): readonly TxStatus[] {
    return this.history;
  }

  /** Replays the statuses so far, then delivers new ones; returns the unsubscribe function. */
  on(listener: Listener): () => void {
    for (const status of this.history) listener(status);
    if (!this.closed) this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * `on` for an RPC subscription: replays and follows; the returned function both unsubscribes and
   * stops watching (what `author_unwatchExtrinsic` or a closed connection means).
   */
  watch(listener: Listener): () => void {
    const off = this.on(listener);
    return () => {
      off();
      this.unwatch();
    };
  }

  /** Called once when the stream ends (terminal status or `unwatch`). */
  onClose(listener: () => void): () => void {
    if (this.closed) listener();
    else this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Stops watching (e.g. `author_unwatchExtrinsic` or a closed connection); the transaction stays. */
  unwatch(): void {
    this.close();
  }

  /** @internal Used by the pool. */
  push(status: TxStatus): void {
    if (this.closed) return;
    this.history.push(status);
    for (const listener of this.listeners) listener(status);
    if (isTerminal(status)) this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.detach(this);
    for (const listener of this.closeListeners) listener();
    this.closeListeners.clear();
  }

  [Symbol.asyncIterator](): AsyncIterator<TxStatus> {
    const queue: TxStatus[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    const offStatus = this.on((status) => {
      queue.push(status);
      wake?.();
    });
    const offClose = this.onClose(() => {
      ended = true;
      wake?.();
    });
    return {
      next: async (): Promise<IteratorResult<TxStatus>> => {
        while (queue.length === 0 && !ended) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
        const value = queue.shift();
        if (value !== undefined) return { value, done: false };
        return { value: undefined, done: true };
      },
      return: async (): Promise<IteratorResult<TxStatus>> => {
        offStatus();
        offClose();
        ended = true;
        return { value: undefined, done: true };
      },
    };
  }
}
