// Priority dispatch onto ffjavascript's worker threads. Its thread manager runs tasks first come,
// first served; a Groth16 proof has a critical path (QAP → odd-coset transforms → join → the H
// multi-exponentiation) and work that can fill any gap (the witness multi-exponentiations). Handing
// the thread manager no more tasks than it has threads, the most urgent first, lets the filler run
// while the path waits on a lone transform without ever making the path wait behind a queue of it.
import type { Curve, TaskCommand } from "ffjavascript";

export type RunTask = (
  task: readonly TaskCommand[],
  transfers?: readonly ArrayBuffer[],
) => Promise<Uint8Array[]>;

/** Lower runs first. */
export const Priority = { CriticalPath: 0, Filler: 1 } as const;

interface Queued {
  readonly priority: number;
  readonly seq: number;
  readonly task: readonly TaskCommand[];
  readonly transfers: readonly ArrayBuffer[] | undefined;
  readonly resolve: (out: Uint8Array[]) => void;
  readonly reject: (error: unknown) => void;
}

export class TaskScheduler {
  private readonly queue: Queued[] = [];
  private inFlight = 0;
  private seq = 0;
  private readonly curve: Curve;
  private readonly slots: number;

  constructor(curve: Curve, slots: number = curve.tm.concurrency) {
    this.curve = curve;
    this.slots = slots;
  }

  /** A task runner at one priority, for code that takes a plain `RunTask`. */
  at(priority: number): RunTask {
    return (task, transfers) => this.run(task, transfers, priority);
  }

  run(
    task: readonly TaskCommand[],
    transfers: readonly ArrayBuffer[] | undefined,
    priority: number,
  ): Promise<Uint8Array[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ priority, seq: this.seq++, task, transfers, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.slots && this.queue.length > 0) {
      let best = 0;
      for (let i = 1; i < this.queue.length; i++) {
        const q = this.queue[i] as Queued;
        const b = this.queue[best] as Queued;
        if (q.priority < b.priority || (q.priority === b.priority && q.seq < b.seq)) best = i;
      }
      const next = this.queue.splice(best, 1)[0] as Queued;
      this.inFlight++;
      this.curve.tm.queueAction(next.task, next.transfers).then(
        (out) => {
          this.inFlight--;
          next.resolve(out);
          this.pump();
        },
        (error: unknown) => {
          this.inFlight--;
          next.reject(error);
          this.pump();
        },
      );
    }
  }
}

const schedulers = new WeakMap<Curve, TaskScheduler>();

/** The scheduler every proof on this curve shares. */
export function schedulerOf(curve: Curve): TaskScheduler {
  let s = schedulers.get(curve);
  if (!s) {
    s = new TaskScheduler(curve);
    schedulers.set(curve, s);
  }
  return s;
}
