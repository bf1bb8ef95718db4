// The default classifier: a 49 -> 16 -> ReLU -> 10 MLP over MNIST digits pooled to 7x7, trained in
// plain TypeScript with a seeded PRNG, plus its integer fixed-point twin that SPECTER proves.
import { type Dataset, POOLED_PIXELS } from "./mnist.ts";
import { encodeModel, floatTensor, node, valueInfo } from "./onnx.ts";
import { createPrng } from "./prng.ts";

export const CLASSIFIER_NAME = "darwin-mnist-mlp";
export const CLASSIFIER_VERSION = "1.0.0";
export const CLASSIFIER_SHAPE = { input: POOLED_PIXELS, hidden: 16, output: 10 } as const;
export const CLASSIFIER_INPUT_NAME = "pixels";
export const CLASSIFIER_OUTPUT_NAME = "logits";

export interface ClassifierTraining {
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly momentum: number;
}

export const DEFAULT_CLASSIFIER_TRAINING: ClassifierTraining = {
  seed: 0xda4715,
  epochs: 30,
  batchSize: 32,
  learningRate: 0.05,
  momentum: 0.9,
};

/**
 * Float weights, each value exactly a float32. Layouts are row-major `[in][out]`, so layer l computes
 * `y[j] = b[j] + sum_i x[i] * w[i * out + j]` (ONNX `Gemm(x, W, b)` without transposes).
 */
export interface ClassifierWeights {
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  readonly w2: Float32Array;
  readonly b2: Float32Array;
}

/** Trains the MLP with mini-batch SGD + momentum on softmax cross-entropy; a pure function of `opts`. */
export function trainClassifier(
  train: Dataset,
  opts: ClassifierTraining = DEFAULT_CLASSIFIER_TRAINING,
): ClassifierWeights {
  const { input: I, hidden: H, output: O } = CLASSIFIER_SHAPE;
  const rng = createPrng(opts.seed);
  const w1 = new Float64Array(I * H).map(() => rng.normal() * Math.sqrt(2 / I));
  const b1 = new Float64Array(H);
  const w2 = new Float64Array(H * O).map(() => rng.normal() * Math.sqrt(2 / H));
  const b2 = new Float64Array(O);
  const params = [w1, b1, w2, b2];
  const grads = params.map((p) => new Float64Array(p.length));
  const velocity = params.map((p) => new Float64Array(p.length));
  const [gw1, gb1, gw2, gb2] = grads as [Float64Array, Float64Array, Float64Array, Float64Array];
  const pre = new Float64Array(H);
  const hid = new Float64Array(H);
  const out = new Float64Array(O);
  const dOut = new Float64Array(O);
  const dHid = new Float64Array(H);
  const order = Array.from({ length: train.count }, (_, i) => i);

  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    rng.shuffle(order);
    // A simple step decay keeps late epochs from bouncing around the minimum.
    const lr = opts.learningRate * (epoch < opts.epochs * 0.6 ? 1 : epoch < opts.epochs * 0.85 ? 0.3 : 0.1);
    for (let start = 0; start < order.length; start += opts.batchSize) {
      const end = Math.min(order.length, start + opts.batchSize);
      for (const g of grads) g.fill(0);
      for (let k = start; k < end; k++) {
        const s = order[k] as number;
        const x = s * I;
        for (let j = 0; j < H; j++) pre[j] = b1[j] as number;
        for (let i = 0; i < I; i++) {
          const xi = train.inputs[x + i] as number;
          if (xi === 0) continue;
          for (let j = 0; j < H; j++) pre[j] = (pre[j] as number) + xi * (w1[i * H + j] as number);
        }
        for (let j = 0; j < H; j++) hid[j] = Math.max(0, pre[j] as number);
        let max = Number.NEGATIVE_INFINITY;
        for (let o = 0; o < O; o++) {
          let v = b2[o] as number;
          for (let j = 0; j < H; j++) v += (hid[j] as number) * (w2[j * O + o] as number);
          out[o] = v;
          if (v > max) max = v;
        }
        let sum = 0;
        for (let o = 0; o < O; o++) {
          out[o] = Math.exp((out[o] as number) - max);
          sum += out[o] as number;
        }
        const label = train.labels[s] as number;
        for (let o = 0; o < O; o++) dOut[o] = (out[o] as number) / sum - (o === label ? 1 : 0);
        for (let j = 0; j < H; j++) {
          let d = 0;
          for (let o = 0; o < O; o++) {
            d += (dOut[o] as number) * (w2[j * O + o] as number);
            gw2[j * O + o] = (gw2[j * O + o] as number) + (hid[j] as number) * (dOut[o] as number);
          }
          dHid[j] = (pre[j] as number) > 0 ? d : 0;
        }
        for (let o = 0; o < O; o++) gb2[o] = (gb2[o] as number) + (dOut[o] as number);
        for (let i = 0; i < I; i++) {
          const xi = train.inputs[x + i] as number;
          if (xi === 0) continue;
          for (let j = 0; j < H; j++) gw1[i * H + j] = (gw1[i * H + j] as number) + xi * (dHid[j] as number);
        }
        for (let j = 0; j < H; j++) gb1[j] = (gb1[j] as number) + (dHid[j] as number);
      }
      const scale = lr / (end - start);
      params.forEach((p, pi) => {
        const g = grads[pi] as Float64Array;
        const v = velocity[pi] as Float64Array;
        for (let i = 0; i < p.length; i++) {
          v[i] = opts.momentum * (v[i] as number) - scale * (g[i] as number);
          p[i] = (p[i] as number) + (v[i] as number);
        }
      });
    }
  }
  return {
    w1: Float32Array.from(w1),
    b1: Float32Array.from(b1),
    w2: Float32Array.from(w2),
    b2: Float32Array.from(b2),
  };
}

/** Float reference forward pass of one sample (float64 arithmetic over the float32 weights). */
export function classifierForward(weights: ClassifierWeights, pixels: ArrayLike<number>): Float64Array {
  const { input: I, hidden: H, output: O } = CLASSIFIER_SHAPE;
  if (pixels.length !== I) throw new Error(`classifier expects ${I} pixels, got ${pixels.length}`);
  const hid = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    let v = weights.b1[j] as number;
    for (let i = 0; i < I; i++) v += (pixels[i] as number) * (weights.w1[i * H + j] as number);
    hid[j] = Math.max(0, v);
  }
  const out = new Float64Array(O);
  for (let o = 0; o < O; o++) {
    let v = weights.b2[o] as number;
    for (let j = 0; j < H; j++) v += (hid[j] as number) * (weights.w2[j * O + o] as number);
    out[o] = v;
  }
  return out;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

// ---------------------------------------------------------------------------------------------------
// Fixed point. Every value is an integer; a real number r is stored as round(r * 2^SCALE_BITS).
// Inputs, weights and activations use scale 2^8; biases use 2^16, the scale of an input-weight product,
// so they add straight into the accumulator. Each layer rescales its accumulator by a floor division
// by 2^8 (towards minus infinity, remainder in [0, 256)), then the hidden layer applies ReLU.
// All intermediate values stay far below 2^53, so plain JS numbers compute them exactly.
// ---------------------------------------------------------------------------------------------------

export const FIXED_SCALE_BITS = 8;
export const FIXED_SCALE = 2 ** FIXED_SCALE_BITS;

export interface FixedClassifier {
  readonly scaleBits: number;
  /** `[in][out]` row-major like the float weights, at scale 2^8. */
  readonly w1: Int32Array;
  /** At scale 2^16. */
  readonly b1: Int32Array;
  readonly w2: Int32Array;
  readonly b2: Int32Array;
}

/** round-half-up, the rounding every quantisation in this file uses. */
export function quantize(value: number, scaleBits: number): number {
  return Math.floor(value * 2 ** scaleBits + 0.5);
}

export function quantizeClassifier(weights: ClassifierWeights): FixedClassifier {
  const q = (values: Float32Array, bits: number) => Int32Array.from(values, (v) => quantize(v, bits));
  return {
    scaleBits: FIXED_SCALE_BITS,
    w1: q(weights.w1, FIXED_SCALE_BITS),
    b1: q(weights.b1, 2 * FIXED_SCALE_BITS),
    w2: q(weights.w2, FIXED_SCALE_BITS),
    b2: q(weights.b2, 2 * FIXED_SCALE_BITS),
  };
}

/** Pixels in [0, 1] to fixed-point inputs at scale 2^8 (0..256). */
export function quantizeInput(pixels: ArrayLike<number>): Int32Array {
  return Int32Array.from({ length: pixels.length }, (_, i) =>
    quantize(pixels[i] as number, FIXED_SCALE_BITS),
  );
}

export interface FixedTrace {
  /** Hidden accumulators at scale 2^16, before rescale. */
  readonly hiddenAcc: number[];
  /** Hidden activations at scale 2^8, after rescale and ReLU. */
  readonly hidden: number[];
  readonly outputAcc: number[];
  /** Logits at scale 2^8. */
  readonly logits: number[];
}

/** The exact integer forward pass the circuit constrains, with every intermediate value. */
export function classifierForwardFixed(model: FixedClassifier, inputQ: ArrayLike<number>): FixedTrace {
  const { input: I, hidden: H, output: O } = CLASSIFIER_SHAPE;
  if (inputQ.length !== I) throw new Error(`classifier expects ${I} inputs, got ${inputQ.length}`);
  const div = FIXED_SCALE;
  const hiddenAcc: number[] = [];
  const hidden: number[] = [];
  for (let j = 0; j < H; j++) {
    let acc = model.b1[j] as number;
    for (let i = 0; i < I; i++) acc += (inputQ[i] as number) * (model.w1[i * H + j] as number);
    hiddenAcc.push(acc);
    hidden.push(Math.max(0, Math.floor(acc / div)));
  }
  const outputAcc: number[] = [];
  const logits: number[] = [];
  for (let o = 0; o < O; o++) {
    let acc = model.b2[o] as number;
    for (let j = 0; j < H; j++) acc += (hidden[j] as number) * (model.w2[j * O + o] as number);
    outputAcc.push(acc);
    logits.push(Math.floor(acc / div));
  }
  return { hiddenAcc, hidden, outputAcc, logits };
}

export function accuracy(predict: (pixels: Float32Array) => number, data: Dataset): number {
  let correct = 0;
  for (let s = 0; s < data.count; s++) {
    const pixels = data.inputs.subarray(s * POOLED_PIXELS, (s + 1) * POOLED_PIXELS);
    if (predict(pixels) === data.labels[s]) correct++;
  }
  return correct / data.count;
}

/** The float32 ONNX graph: `logits = Gemm(Relu(Gemm(pixels, W1, b1)), W2, b2)`, dynamic batch. */
export function classifierOnnx(weights: ClassifierWeights): Uint8Array {
  const { input: I, hidden: H, output: O } = CLASSIFIER_SHAPE;
  return encodeModel(
    {
      name: CLASSIFIER_NAME,
      docString: "49->16->ReLU->10 MLP over 7x7-pooled MNIST digits; see @darwin/models",
      nodes: [
        node("Gemm", [CLASSIFIER_INPUT_NAME, "W1", "b1"], ["hidden_pre"], "dense1"),
        node("Relu", ["hidden_pre"], ["hidden"], "relu1"),
        node("Gemm", ["hidden", "W2", "b2"], [CLASSIFIER_OUTPUT_NAME], "dense2"),
      ],
      initializers: [
        floatTensor("W1", [I, H], weights.w1),
        floatTensor("b1", [H], weights.b1),
        floatTensor("W2", [H, O], weights.w2),
        floatTensor("b2", [O], weights.b2),
      ],
      inputs: [valueInfo(CLASSIFIER_INPUT_NAME, "float32", ["batch", I])],
      outputs: [valueInfo(CLASSIFIER_OUTPUT_NAME, "float32", ["batch", O])],
    },
    { version: CLASSIFIER_VERSION },
  );
}
