import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import {
  accuracy,
  argmax,
  CLASSIFIER_INPUT_NAME,
  CLASSIFIER_OUTPUT_NAME,
  classifierForward,
  classifierForwardFixed,
  classifierTestSet,
  createPrng,
  defaultClassifier,
  FIXED_SCALE,
  POOLED_PIXELS,
  quantizeInput,
} from "../src/index.ts";

describe("default classifier", () => {
  const model = defaultClassifier();
  const test = classifierTestSet();

  it("ORT output of the ONNX file matches the independent TypeScript reference on fixed inputs", async () => {
    const session = await ort.InferenceSession.create(model.onnx);
    const rng = createPrng(7);
    // 32 held-out digits, plus edge inputs: all dark, all bright, and seeded noise.
    const samples: Float32Array[] = [];
    for (let s = 0; s < 32; s++)
      samples.push(test.inputs.slice(s * 61 * POOLED_PIXELS, (s * 61 + 1) * POOLED_PIXELS));
    samples.push(new Float32Array(POOLED_PIXELS), new Float32Array(POOLED_PIXELS).fill(1));
    samples.push(Float32Array.from({ length: POOLED_PIXELS }, () => rng.next()));
    const batch = new Float32Array(samples.length * POOLED_PIXELS);
    samples.forEach((s, i) => {
      batch.set(s, i * POOLED_PIXELS);
    });
    const out = await session.run({
      [CLASSIFIER_INPUT_NAME]: new ort.Tensor("float32", batch, [samples.length, POOLED_PIXELS]),
    });
    const logits = out[CLASSIFIER_OUTPUT_NAME];
    expect(logits?.dims).toEqual([samples.length, 10]);
    const data = logits?.data as Float32Array;
    let maxDiff = 0;
    samples.forEach((s, i) => {
      const ref = classifierForward(model.weights, s);
      for (let o = 0; o < 10; o++)
        maxDiff = Math.max(maxDiff, Math.abs((ref[o] as number) - (data[i * 10 + o] as number)));
      expect(argmax(data.subarray(i * 10, i * 10 + 10))).toBe(argmax(ref));
    });
    expect(maxDiff).toBeLessThan(1e-4);
    await session.release();
  });

  it("reaches a sane accuracy on the held-out digits, in float and in fixed point", () => {
    const floatAcc = accuracy((p) => argmax(classifierForward(model.weights, p)), test);
    const fixedAcc = accuracy(
      (p) => argmax(classifierForwardFixed(model.fixed, quantizeInput(p)).logits),
      test,
    );
    console.info(
      `classifier held-out accuracy: float ${floatAcc.toFixed(4)}, fixed point ${fixedAcc.toFixed(4)} (${test.count} digits)`,
    );
    expect(test.count).toBeGreaterThan(1500);
    expect(floatAcc).toBeGreaterThan(0.85);
    expect(fixedAcc).toBeGreaterThan(0.85);
    expect(model.manifest.training.testAccuracyFloat).toBe(floatAcc);
    expect(model.manifest.training.testAccuracyFixed).toBe(fixedAcc);
  });

  it("keeps the fixed-point logits within a rounding band of the float logits", () => {
    for (let s = 0; s < 200; s++) {
      const pixels = test.inputs.subarray(s * POOLED_PIXELS, (s + 1) * POOLED_PIXELS);
      const float = classifierForward(model.weights, pixels);
      const fixed = classifierForwardFixed(model.fixed, quantizeInput(pixels));
      for (let o = 0; o < 10; o++) {
        expect(Math.abs((fixed.logits[o] as number) / FIXED_SCALE - (float[o] as number))).toBeLessThan(0.25);
      }
      for (const h of fixed.hidden) expect(Number.isInteger(h) && h >= 0).toBe(true);
    }
  });

  it("rejects inputs of the wrong size in the references", () => {
    expect(() => classifierForward(model.weights, new Float32Array(48))).toThrow(/49/);
    expect(() => classifierForwardFixed(model.fixed, new Int32Array(50))).toThrow(/49/);
  });
});
