// Darwin's default classifier (@darwin/models) as the quantized MLP its circuits are generated from.
import { CLASSIFIER_NAME, defaultClassifier, type FixedClassifier } from "@darwin/models";
import type { ClassifierMode, QuantizedMlp, WeightClass } from "./mlp.ts";

/** Inputs of the default classifier: pixels in [0, 1] at scale 2^8, i.e. 0..256: 9 unsigned bits. */
export const CLASSIFIER_INPUT_BITS = 9;
/** ... bounded by 256 (a pixel of 1.0), not 511: the range analysis starts from this. */
export const CLASSIFIER_INPUT_MAX = 256n;

/**
 * The public class of the default classifier's weights when they are private: weights in [-4, 4) at
 * scale 2^8 (11 signed bits), biases in [-2, 2) at scale 2^16 (18 signed bits). The private-weights
 * circuit is derived from this and the shapes, so any weights of the class prove with it.
 */
export const CLASSIFIER_WEIGHT_CLASS: WeightClass = { weightBits: 11, biasBits: 18 };

/** `classifier_private`'s mode: one inference, io committed, weights private in CLASSIFIER_WEIGHT_CLASS. */
export const CLASSIFIER_PRIVATE_MODE: ClassifierMode = {
  batch: 1,
  io: "committed",
  weights: "committed",
  weightClass: CLASSIFIER_WEIGHT_CLASS,
};

/** @darwin/models stores `[in][out]` row-major; circuits take `[out][in]`. */
export function mlpFromFixedClassifier(
  fixed: FixedClassifier,
  shape: { readonly input: number; readonly hidden: number; readonly output: number },
  name: string = CLASSIFIER_NAME,
): QuantizedMlp {
  const transpose = (w: Int32Array, nIn: number, nOut: number): bigint[][] =>
    Array.from({ length: nOut }, (_, j) =>
      Array.from({ length: nIn }, (_, i) => BigInt(w[i * nOut + j] as number)),
    );
  return {
    name,
    scaleBits: fixed.scaleBits,
    inputBits: CLASSIFIER_INPUT_BITS,
    inputMax: CLASSIFIER_INPUT_MAX,
    layers: [
      { w: transpose(fixed.w1, shape.input, shape.hidden), b: Array.from(fixed.b1, BigInt), relu: true },
      { w: transpose(fixed.w2, shape.hidden, shape.output), b: Array.from(fixed.b2, BigInt), relu: false },
    ],
  };
}

/** The default classifier's quantized MLP, exactly the integers @darwin/models commits to. */
export function defaultClassifierMlp(): QuantizedMlp {
  const model = defaultClassifier();
  return mlpFromFixedClassifier(model.fixed, model.shape);
}
