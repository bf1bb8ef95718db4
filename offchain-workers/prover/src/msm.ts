// Multi-exponentiation Σ scalar_i · base_i over bn128 G1 or G2 with signed windows and batch-affine
// buckets (`msm-wasm.ts`), windows spread over the curve's worker threads. The window width is
// chosen per call from a cost model of this wasm's operations (measured on the CI machine class:
// an affine bucket addition ~0.55 of a mixed Jacobian one, an inversion ~12 µs shared by a batch,
// a bucket's share of the reduction ~2.3 mixed additions).
import type { Curve, Element, TaskCommand } from "ffjavascript";
import { FIELD_BYTES, type GroupPrefix, windowScratchBytes } from "./msm-wasm.ts";
import type { RunTask } from "./task-scheduler.ts";

/** Relative costs (µs on the reference machine) the window width is chosen with. */
const COST = {
  g1m: { add: 0.55, inverse: 12, bucket: 2.3 },
  g2m: { add: 1.9, inverse: 13, bucket: 8.6 },
} as const;

export interface MsmPlan {
  /** Window width in bits; buckets per window 2^(c-1). */
  readonly c: number;
  readonly windows: number;
  readonly batchSize: number;
}

/** Batch size for a window of `buckets` buckets: large enough to share the inversion, small enough to rarely hit a bucket twice. */
function batchSizeFor(buckets: number): number {
  return Math.max(4, Math.min(1024, buckets >> 2));
}

/** The cheapest window width for n scalars of `bits` bits under the cost model. */
export function planMsm(group: GroupPrefix, n: number, bits: number): MsmPlan {
  const cost = COST[group];
  let best: MsmPlan | undefined;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let c = 2; c <= 16; c++) {
    const buckets = 1 << (c - 1);
    const batchSize = batchSizeFor(buckets);
    // Signed digits carry into the next window: bits + 1 positions in all.
    const windows = Math.floor(bits / c) + 1;
    const total = windows * (n * (cost.add + cost.inverse / batchSize) + buckets * cost.bucket);
    if (total < bestCost) {
      bestCost = total;
      best = { c, windows, batchSize };
    }
  }
  return best as MsmPlan;
}

/** Bit length of the largest of n little-endian scalars of `width` bytes. */
export function maxBits(scalars: Uint8Array, width: number): number {
  const n = scalars.length / width;
  for (let b = width - 1; b >= 0; b--) {
    let any = 0;
    for (let i = 0; i < n; i++) any |= scalars[i * width + b] as number;
    if (any !== 0) return b * 8 + (32 - Math.clz32(any));
  }
  return 0;
}

/** Contiguous runs of windows, a few per thread, so that several multi-exponentiations interleave. */
function windowRuns(windows: number, concurrency: number): [number, number][] {
  const tasks = Math.min(windows, Math.max(1, 2 * concurrency));
  const runs: [number, number][] = [];
  for (let t = 0; t < tasks; t++) {
    const from = Math.floor((t * windows) / tasks);
    const to = Math.floor(((t + 1) * windows) / tasks);
    if (to > from) runs.push([from, to]);
  }
  return runs;
}

/** darwin_signedDigits reads a window as one i32: bytes past the last scalar it may touch (not count). */
const SLACK = 4;

const isShared = (x: Uint8Array): boolean => x.buffer instanceof SharedArrayBuffer;

/**
 * Scalars in shared memory with SLACK bytes of the same buffer behind them, as the view the threads
 * read (shared, so posting it copies nothing); undefined otherwise.
 */
function withSlack(scalars: Uint8Array): Uint8Array | undefined {
  if (!isShared(scalars) || scalars.byteOffset + scalars.byteLength + SLACK > scalars.buffer.byteLength)
    return undefined;
  return new Uint8Array(scalars.buffer, scalars.byteOffset, scalars.byteLength + SLACK);
}

function padded(scalars: Uint8Array): Uint8Array {
  const out = new Uint8Array(scalars.length + SLACK);
  out.set(scalars);
  return out;
}

function signsOf(negate: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  out.set(negate);
  return out;
}

/** All-zero signs in shared memory (never written), grown to the largest n asked for. */
let zeros = new Uint8Array(new SharedArrayBuffer(0));
function zeroSigns(n: number): Uint8Array {
  if (zeros.length < n) zeros = new Uint8Array(new SharedArrayBuffer(n));
  return zeros.subarray(0, n);
}

/**
 * Σ ±scalar_i · base_i for n affine bases (ffjavascript's representation, as in a zkey) and n
 * little-endian scalars of `width` bytes each, negated where `negate[i]` is 1. The result is a
 * Jacobian point of the group. Scalars in a SharedArrayBuffer with 4 more bytes of it behind them
 * (whatever those hold: only the scalars' own bits are read), and shared `negate`, go to the
 * threads as they are; others are copied once per call.
 */
export async function msm(
  curve: Curve,
  groupName: "G1" | "G2",
  bases: Uint8Array,
  scalars: Uint8Array,
  width: number,
  negate?: Uint8Array,
  run: RunTask = (task, transfers) => curve.tm.queueAction(task, transfers),
): Promise<Element> {
  const group = groupName === "G1" ? curve.G1 : curve.G2;
  const prefix: GroupPrefix = groupName === "G1" ? "g1m" : "g2m";
  const n8 = FIELD_BYTES[prefix];
  const n = scalars.length / width;
  if (!Number.isInteger(n) || bases.length !== n * 2 * n8)
    throw new RangeError(`msm: ${bases.length} bytes of bases for ${scalars.length / width} scalars`);
  const bits = maxBits(scalars, width);
  if (n === 0 || bits === 0) return group.zero;
  const plan = planMsm(prefix, n, bits);
  const buckets = 1 << (plan.c - 1);
  const scratch = windowScratchBytes(prefix, buckets, plan.batchSize);
  const resultBytes = 3 * n8;
  // Each task recodes the windows it adds up on its thread (darwin_signedDigits reads a window as
  // one i32: 4 bytes of slack at the end of the scalars).
  const paddedScalars = withSlack(scalars) ?? padded(scalars);
  const signs =
    negate === undefined
      ? zeroSigns(n)
      : isShared(negate) && negate.length === n
        ? negate
        : signsOf(negate, n);
  const results = await Promise.all(
    windowRuns(plan.windows, curve.tm.concurrency).map(([from, to]) => {
      const count = to - from;
      const task: TaskCommand[] = [
        { cmd: "ALLOCSET", var: 0, buff: bases },
        { cmd: "ALLOCSET", var: 1, buff: paddedScalars },
        { cmd: "ALLOCSET", var: 2, buff: signs },
        { cmd: "ALLOC", var: 3, len: count * n * 4 },
        { cmd: "ALLOC", var: 4, len: scratch },
        { cmd: "ALLOC", var: 5, len: count * resultBytes },
        {
          cmd: "CALL",
          fnName: "darwin_signedDigits",
          params: [
            { var: 1 },
            { val: width },
            { val: n },
            { val: plan.c },
            { val: from },
            { val: to },
            { var: 2 },
            { var: 3 },
          ],
        },
      ];
      for (let j = 0; j < count; j++)
        task.push({
          cmd: "CALL",
          fnName: `${prefix}_darwinWindow`,
          params: [
            { var: 0 },
            { var: 3, offset: j * n * 4 },
            { val: n },
            { var: 4 },
            { val: buckets },
            { val: plan.batchSize },
            { var: 5, offset: j * resultBytes },
          ],
        });
      task.push({ cmd: "GET", out: 0, var: 5, len: count * resultBytes });
      return run(task).then(([out]) => ({ from, count, out: out as Uint8Array }));
    }),
  );
  const byWindow: Element[] = new Array(plan.windows);
  for (const { from, count, out } of results)
    for (let j = 0; j < count; j++) byWindow[from + j] = out.slice(j * resultBytes, (j + 1) * resultBytes);
  let acc = group.zero;
  for (let w = plan.windows - 1; w >= 0; w--) {
    if (!group.isZero(acc)) for (let k = 0; k < plan.c; k++) acc = group.double(acc);
    acc = group.add(acc, byWindow[w] as Element);
  }
  return acc;
}
