// Tensors as the engine sees them, checked against a model's declared inputs before ORT sees them.
import type { TensorDtype, TensorSpec } from "@darwin/models";
import { MalformedInput } from "./errors.ts";

export type TensorValues = Float32Array | BigInt64Array;

export interface Tensor {
  readonly dtype: TensorDtype;
  readonly shape: readonly number[];
  readonly data: TensorValues;
}

export type NamedTensors = Readonly<Record<string, Tensor>>;

/** JSON form: `{ "dtype": "float32", "shape": [1, 49], "data": [0, 0.5, ...] }` (int64 as numbers). */
export interface TensorJson {
  readonly dtype: TensorDtype;
  readonly shape: readonly number[];
  readonly data: readonly number[];
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function fail(message: string): never {
  throw new MalformedInput({ message });
}

/** Parses a JSON tensor; throws `MalformedInput` on anything but a well-formed one. */
export function tensorFromJson(name: string, value: unknown): Tensor {
  if (typeof value !== "object" || value === null) fail(`input ${name}: expected {dtype, shape, data}`);
  const v = value as Record<string, unknown>;
  if (v.dtype !== "float32" && v.dtype !== "int64") fail(`input ${name}: dtype must be float32 or int64`);
  if (!Array.isArray(v.shape) || !v.shape.every((d) => Number.isInteger(d) && d >= 0 && d <= 2 ** 31))
    fail(`input ${name}: shape must be an array of non-negative integers`);
  if (!Array.isArray(v.data)) fail(`input ${name}: data must be an array of numbers`);
  const shape = v.shape as number[];
  const data = v.data as unknown[];
  if (data.length !== sizeOf(shape))
    fail(`input ${name}: ${data.length} values for shape [${shape.join(", ")}] (${sizeOf(shape)} expected)`);
  if (v.dtype === "float32") {
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const x = data[i];
      if (typeof x !== "number" || !Number.isFinite(x))
        fail(`input ${name}: value ${i} is not a finite number`);
      out[i] = x;
    }
    return { dtype: "float32", shape, data: out };
  }
  const out = new BigInt64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (typeof x !== "number" || !Number.isSafeInteger(x))
      fail(`input ${name}: value ${i} is not an integer`);
    out[i] = BigInt(x);
  }
  return { dtype: "int64", shape, data: out };
}

export function tensorToJson(t: Tensor): TensorJson {
  return {
    dtype: t.dtype,
    shape: [...t.shape],
    data: Array.from(t.data as ArrayLike<number | bigint>, (x) => Number(x)),
  };
}

export function namedTensorsFromJson(value: unknown): Record<string, Tensor> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    fail("inputs must be an object of named tensors");
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tensorFromJson(k, v)]));
}

/**
 * Checks tensors against the declared inputs: the same names, dtypes and ranks, fixed dimensions
 * equal, free dimensions positive, within `maxDims` and equal wherever the same name recurs
 * (so `batch` agrees across inputs), and values inside `range`. Returns the free dimensions' values.
 */
export function checkInputs(specs: readonly TensorSpec[], inputs: NamedTensors): Record<string, number> {
  const names = Object.keys(inputs).sort();
  const expected = specs.map((s) => s.name).sort();
  if (names.join("\u0000") !== expected.join("\u0000"))
    fail(`inputs are [${names.join(", ")}], the model takes [${expected.join(", ")}]`);
  const free: Record<string, number> = {};
  for (const spec of specs) {
    const t = inputs[spec.name] as Tensor;
    if (t.dtype !== spec.dtype) fail(`input ${spec.name}: dtype ${t.dtype}, the model takes ${spec.dtype}`);
    const want = `[${spec.shape.join(", ")}]`;
    if (t.shape.length !== spec.shape.length)
      fail(`input ${spec.name}: shape [${t.shape.join(", ")}], want ${want}`);
    if (t.data.length !== sizeOf(t.shape)) fail(`input ${spec.name}: ${t.data.length} values for its shape`);
    spec.shape.forEach((dim, axis) => {
      const got = t.shape[axis] as number;
      if (typeof dim === "number") {
        if (got !== dim) fail(`input ${spec.name}: dimension ${axis} is ${got}, want ${dim} (shape ${want})`);
        return;
      }
      if (got < 1) fail(`input ${spec.name}: dimension ${axis} (${dim}) must be at least 1`);
      const max = spec.maxDims?.[dim];
      if (max !== undefined && got > max) fail(`input ${spec.name}: ${dim} is ${got}, at most ${max}`);
      if (free[dim] !== undefined && free[dim] !== got)
        fail(`input ${spec.name}: ${dim} is ${got} here, ${free[dim]} elsewhere`);
      free[dim] = got;
    });
    if (spec.range !== undefined) {
      const [lo, hi] = spec.range;
      for (let i = 0; i < t.data.length; i++) {
        const x = Number(t.data[i]);
        // Written so that NaN fails too (every comparison with NaN is false).
        if (!(x >= lo && x <= hi)) fail(`input ${spec.name}: value ${x} at ${i} outside [${lo}, ${hi}]`);
      }
    }
  }
  return free;
}

/** Joins same-shaped tensors along axis 0 (the batch axis). */
export function concatBatch(parts: readonly Tensor[]): Tensor {
  const first = parts[0];
  if (!first) throw new Error("nothing to concatenate");
  const total = parts.reduce((n, p) => n + p.data.length, 0);
  const data = first.dtype === "float32" ? new Float32Array(total) : new BigInt64Array(total);
  let at = 0;
  for (const p of parts) {
    (data as Float32Array).set(p.data as Float32Array, at);
    at += p.data.length;
  }
  const rows = parts.reduce((n, p) => n + (p.shape[0] as number), 0);
  return { dtype: first.dtype, shape: [rows, ...first.shape.slice(1)], data };
}

/**
 * Cuts a tensor along axis 0 into pieces of the given row counts. The pieces are views of the
 * tensor's memory (disjoint ranges, no copy): a joined run's answer is handed out without copying it.
 */
export function splitBatch(t: Tensor, rows: readonly number[]): Tensor[] {
  let rowSize = 1;
  for (let axis = 1; axis < t.shape.length; axis++) rowSize *= t.shape[axis] as number;
  const tail = t.shape.slice(1);
  let at = 0;
  return rows.map((r) => {
    const data = t.data.subarray(at * rowSize, (at + r) * rowSize);
    at += r;
    return { dtype: t.dtype, shape: [r, ...tail], data };
  });
}

/**
 * How many values the outputs will hold, with free dimensions taken from the inputs (a free dimension
 * only outputs have counts as 1). Lets the engine refuse requests whose answer would not fit in memory.
 */
export function outputElements(specs: readonly TensorSpec[], free: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const spec of specs) {
    total += spec.shape.reduce<number>((n, dim) => n * (typeof dim === "number" ? dim : (free[dim] ?? 1)), 1);
  }
  return total;
}

/**
 * `checkInputs` + `outputElements` compiled once per model: names, dtypes, ranks, fixed and free
 * dimensions are resolved to indexes up front, so a well-formed request costs a few comparisons and
 * allocates nothing. Anything it does not accept goes through `checkInputs`, which throws the precise
 * `MalformedInput` (and whose answer stands should the two ever disagree). Returns the answer's size.
 */
export function compileRequestCheck(
  inputSpecs: readonly TensorSpec[],
  outputSpecs: readonly TensorSpec[],
): (inputs: NamedTensors) => number {
  const freeNames: string[] = [];
  const freeIndex = (dim: string): number => {
    const at = freeNames.indexOf(dim);
    if (at >= 0) return at;
    freeNames.push(dim);
    return freeNames.length - 1;
  };
  // A dimension is its size when fixed, or -(1 + its free index) when free.
  const inputs = inputSpecs.map((spec) => ({
    name: spec.name,
    dtype: spec.dtype,
    dims: spec.shape.map((d) => (typeof d === "number" ? d : -1 - freeIndex(d))),
    maxes: spec.shape.map((d) =>
      typeof d === "number" ? d : (spec.maxDims?.[d] ?? Number.POSITIVE_INFINITY),
    ),
    lo: spec.range?.[0],
    hi: spec.range?.[1],
    // Integer bounds compare as BigInt, so int64 values need no Number conversion each.
    loBig: asBigInt(spec.range?.[0]),
    hiBig: asBigInt(spec.range?.[1]),
  }));
  const outputs = outputSpecs.map((spec) => ({
    fixed: spec.shape.reduce<number>((n, d) => (typeof d === "number" ? n * d : n), 1),
    free: spec.shape.flatMap((d) => (typeof d === "number" ? [] : [freeNames.indexOf(d)])),
  }));
  const free = new Float64Array(freeNames.length);
  const precise = (given: NamedTensors): number =>
    outputElements(outputSpecs, checkInputs(inputSpecs, given));

  return (given) => {
    let names = 0;
    for (const key in given) {
      if (!Object.hasOwn(given, key)) return precise(given);
      names++;
    }
    if (names !== inputs.length) return precise(given);
    free.fill(0);
    for (const spec of inputs) {
      const t = Object.hasOwn(given, spec.name) ? given[spec.name] : undefined;
      if (t === undefined || t.dtype !== spec.dtype || t.shape.length !== spec.dims.length)
        return precise(given);
      let size = 1;
      for (let axis = 0; axis < spec.dims.length; axis++) {
        const got = t.shape[axis] as number;
        const dim = spec.dims[axis] as number;
        size *= got;
        if (dim >= 0) {
          if (got !== dim) return precise(given);
          continue;
        }
        const seen = free[-1 - dim] as number;
        if (!(got >= 1 && got <= (spec.maxes[axis] as number)) || (seen !== 0 && seen !== got))
          return precise(given);
        free[-1 - dim] = got;
      }
      if (t.data.length !== size) return precise(given);
      if (spec.lo !== undefined && spec.hi !== undefined) {
        const { lo, hi } = spec;
        const data = t.data;
        if (data instanceof Float32Array) {
          for (let i = 0; i < data.length; i++) {
            const x = data[i] as number;
            if (!(x >= lo && x <= hi)) return precise(given);
          }
        } else if (spec.loBig !== undefined && spec.hiBig !== undefined) {
          const { loBig, hiBig } = spec;
          for (let i = 0; i < data.length; i++) {
            const x = data[i] as bigint;
            if (x < loBig || x > hiBig) return precise(given);
          }
        } else {
          for (let i = 0; i < data.length; i++) {
            const x = Number(data[i]);
            if (!(x >= lo && x <= hi)) return precise(given);
          }
        }
      }
    }
    let total = 0;
    for (const out of outputs) {
      let n = out.fixed;
      for (const k of out.free) n *= k >= 0 ? (free[k] as number) : 1;
      total += n;
    }
    return total;
  };
}

function asBigInt(bound: number | undefined): bigint | undefined {
  return bound !== undefined && Number.isSafeInteger(bound) ? BigInt(bound) : undefined;
}
