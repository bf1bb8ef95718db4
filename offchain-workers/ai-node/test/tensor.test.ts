import type { TensorSpec } from "@darwin/models";
import { describe, expect, it } from "vitest";
import { checkInputs, compileRequestCheck, type NamedTensors, outputElements } from "../src/tensor.ts";

// The compiled check must accept exactly what checkInputs accepts, with the same answer size, and
// refuse everything else with checkInputs' own MalformedInput.
const inputs: TensorSpec[] = [
  { name: "tokens", dtype: "int64", shape: ["batch", "seq"], maxDims: { seq: 8 }, range: [0, 255] },
  { name: "mask", dtype: "float32", shape: ["batch", "seq", 2] },
];
const outputs: TensorSpec[] = [
  { name: "logits", dtype: "float32", shape: ["batch", "seq", 256] },
  { name: "extra", dtype: "float32", shape: ["unbound", 3] },
];

const tokens = (shape: number[], fill = 1n) => ({
  dtype: "int64" as const,
  shape,
  data: new BigInt64Array(shape.reduce((a, b) => a * b, 1)).fill(fill),
});
const mask = (shape: number[], fill = 0.5) => ({
  dtype: "float32" as const,
  shape,
  data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill),
});

const cases: Record<string, NamedTensors> = {
  ok: { tokens: tokens([2, 3]), mask: mask([2, 3, 2]) },
  "ok at the bounds": { tokens: tokens([1, 8], 255n), mask: mask([1, 8, 2]) },
  "missing input": { tokens: tokens([2, 3]) },
  "extra input": { tokens: tokens([2, 3]), mask: mask([2, 3, 2]), more: mask([1]) },
  "wrong dtype": { tokens: mask([2, 3]), mask: mask([2, 3, 2]) },
  "wrong rank": { tokens: tokens([2, 3, 1]), mask: mask([2, 3, 2]) },
  "fixed dim differs": { tokens: tokens([2, 3]), mask: mask([2, 3, 3]) },
  "free dims disagree": { tokens: tokens([2, 3]), mask: mask([2, 4, 2]) },
  "free dim zero": { tokens: tokens([0, 3]), mask: mask([0, 3, 2]) },
  "free dim beyond maxDims": { tokens: tokens([1, 9]), mask: mask([1, 9, 2]) },
  "value outside range": { tokens: tokens([1, 2], 256n), mask: mask([1, 2, 2]) },
  "negative value": { tokens: tokens([1, 2], -1n), mask: mask([1, 2, 2]) },
  "too few values": {
    tokens: { dtype: "int64", shape: [2, 3], data: new BigInt64Array(5) },
    mask: mask([2, 3, 2]),
  },
};

describe("compileRequestCheck", () => {
  const compiled = compileRequestCheck(inputs, outputs);
  for (const [name, given] of Object.entries(cases)) {
    it(`agrees with checkInputs: ${name}`, () => {
      let expected: number | string;
      try {
        expected = outputElements(outputs, checkInputs(inputs, given));
      } catch (err) {
        expected = `${(err as { _tag: string })._tag}: ${(err as Error).message}`;
      }
      let got: number | string;
      try {
        got = compiled(given);
      } catch (err) {
        got = `${(err as { _tag: string })._tag}: ${(err as Error).message}`;
      }
      expect(got).toEqual(expected);
      if (name.startsWith("ok")) expect(typeof got).toBe("number");
      else expect(String(got)).toMatch(/^MalformedInput: /);
    });
  }

  it("sizes the answer from the request's free dimensions", () => {
    expect(compiled(cases.ok as NamedTensors)).toBe(2 * 3 * 256 + 3);
  });
});

describe("compileRequestCheck on ranged float32 inputs and bounds beyond 2^53", () => {
  const specs: TensorSpec[] = [
    { name: "pixels", dtype: "float32", shape: ["batch", 2], range: [0, 1] },
    { name: "ids", dtype: "int64", shape: ["batch"], range: [-(2 ** 60), 2 ** 60] },
  ];
  const outs: TensorSpec[] = [{ name: "y", dtype: "float32", shape: ["batch", 1] }];
  const compiled = compileRequestCheck(specs, outs);
  const req = (pixels: number[], id = 0n): NamedTensors => ({
    pixels: { dtype: "float32", shape: [1, 2], data: Float32Array.from(pixels) },
    ids: { dtype: "int64", shape: [1], data: BigInt64Array.of(id) },
  });
  const outcome = (f: () => number): string => {
    try {
      return String(f());
    } catch (err) {
      return `${(err as { _tag: string })._tag}: ${(err as Error).message}`;
    }
  };
  it.each([
    ["in range", req([0, 1]), true],
    ["below", req([-0.25, 0.5]), false],
    ["above", req([0.5, 1.5]), false],
    ["NaN", req([Number.NaN, 0.5]), false],
    ["infinite", req([0.5, Number.POSITIVE_INFINITY]), false],
    ["a large id within the bound", req([0.5, 0.5], 2n ** 59n), true],
    ["an id past the bound", req([0.5, 0.5], 2n ** 62n), false],
  ] as const)("%s: agrees with checkInputs", (_, given, ok) => {
    const expected = outcome(() => outputElements(outs, checkInputs(specs, given)));
    expect(outcome(() => compiled(given))).toBe(expected);
    if (ok) expect(expected).toBe("1");
    else expect(expected).toMatch(/^MalformedInput: /);
  });
});
