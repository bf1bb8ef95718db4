// The SPECTER model compiler: reads a supported ONNX graph (a chain of Gemm / MatMul+Add / Relu, as
// Darwin's default classifier uses), quantizes it to the fixed point the circuits prove, and bounds
// the quantization error so circuit outputs can be checked against onnxruntime's.
import type { QuantizedMlp } from "@darwin/circuits";
import { analyzeMlp } from "@darwin/circuits";
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

export class OnnxCompileError extends Error {
  readonly code = "ONNX_COMPILE" as const;
  constructor(message: string) {
    super(message);
    this.name = "OnnxCompileError";
  }
}

export interface FloatLayer {
  /** `[out][in]`. */
  readonly w: readonly (readonly number[])[];
  readonly b: readonly number[];
  readonly relu: boolean;
}

export interface FloatMlp {
  readonly name: string;
  readonly inputName: string;
  readonly outputName: string;
  readonly inputs: number;
  readonly layers: readonly FloatLayer[];
}

type Tensor = { dims: number[]; values: Float64Array };

function readTensor(t: onnxProto.onnx.ITensorProto): Tensor {
  const dims = (t.dims ?? []).map((d) => Number(d));
  const count = dims.reduce((a, b) => a * b, 1);
  if (t.dataType !== onnx.TensorProto.DataType.FLOAT) {
    throw new OnnxCompileError(
      `initializer ${t.name}: only float32 tensors are supported (dataType ${t.dataType})`,
    );
  }
  const values = new Float64Array(count);
  if (t.rawData && t.rawData.length > 0) {
    const raw = t.rawData;
    if (raw.length !== count * 4)
      throw new OnnxCompileError(`initializer ${t.name}: ${raw.length} bytes for ${count} floats`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) values[i] = view.getFloat32(i * 4, true);
  } else {
    const floats = t.floatData ?? [];
    if (floats.length !== count)
      throw new OnnxCompileError(`initializer ${t.name}: ${floats.length} floats for ${count}`);
    floats.forEach((v, i) => {
      values[i] = v;
    });
  }
  return { dims, values };
}

function attr(n: onnxProto.onnx.INodeProto, name: string): onnxProto.onnx.IAttributeProto | undefined {
  return (n.attribute ?? []).find((a) => a.name === name);
}

/** `[out][in]` from a 2-D tensor laid out `[in][out]` (or `[out][in]` when transposed). */
function matrix(t: Tensor, transposed: boolean): number[][] {
  if (t.dims.length !== 2)
    throw new OnnxCompileError(`weight tensor must be 2-D, got dims ${t.dims.join("x")}`);
  const [r, c] = t.dims as [number, number];
  const nOut = transposed ? r : c;
  const nIn = transposed ? c : r;
  return Array.from({ length: nOut }, (_, j) =>
    Array.from({ length: nIn }, (_, i) => t.values[transposed ? j * c + i : i * c + j] as number),
  );
}

/** Parses an ONNX model that is a chain of dense layers with optional ReLU. */
export function parseOnnxMlp(bytes: Uint8Array): FloatMlp {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new OnnxCompileError(`not an ONNX model: ${e instanceof Error ? e.message : String(e)}`);
  }
  const graph = model.graph;
  if (!graph) throw new OnnxCompileError("ONNX model has no graph");
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? "", readTensor(t)]));
  const graphInputs = (graph.input ?? []).map((i) => i.name ?? "").filter((n) => !inits.has(n));
  if (graphInputs.length !== 1)
    throw new OnnxCompileError(`expected one graph input, got ${graphInputs.length}`);
  const outputs = (graph.output ?? []).map((o) => o.name ?? "");
  if (outputs.length !== 1) throw new OnnxCompileError(`expected one graph output, got ${outputs.length}`);
  const inputName = graphInputs[0] as string;
  const layers: { w: number[][]; b: number[]; relu: boolean }[] = [];
  let current = inputName;
  let pendingMatMul: { w: number[][]; out: string } | undefined;
  for (const n of graph.node ?? []) {
    const ins = n.input ?? [];
    const outs = n.output ?? [];
    const out = outs[0] ?? "";
    const weight = (name: string | undefined): Tensor => {
      const t = inits.get(name ?? "");
      if (!t) throw new OnnxCompileError(`${n.opType} ${n.name}: ${name} is not a constant initializer`);
      return t;
    };
    switch (n.opType) {
      case "Gemm": {
        if (ins[0] !== current)
          throw new OnnxCompileError(`Gemm ${n.name} does not consume ${current}: only chains are supported`);
        const alpha = attr(n, "alpha")?.f ?? 1;
        const beta = attr(n, "beta")?.f ?? 1;
        if (Number(attr(n, "transA")?.i ?? 0) !== 0)
          throw new OnnxCompileError(`Gemm ${n.name}: transA is not supported`);
        const w = matrix(weight(ins[1]), Number(attr(n, "transB")?.i ?? 0) === 1).map((r) =>
          r.map((v) => v * alpha),
        );
        const b = ins[2] ? Array.from(weight(ins[2]).values, (v) => v * beta) : w.map(() => 0);
        if (b.length !== w.length)
          throw new OnnxCompileError(`Gemm ${n.name}: ${b.length} biases for ${w.length} outputs`);
        layers.push({ w, b, relu: false });
        current = out;
        break;
      }
      case "MatMul": {
        if (ins[0] !== current) throw new OnnxCompileError(`MatMul ${n.name} does not consume ${current}`);
        pendingMatMul = { w: matrix(weight(ins[1]), false), out };
        current = out;
        break;
      }
      case "Add": {
        if (!pendingMatMul || ins[0] !== pendingMatMul.out) {
          throw new OnnxCompileError(`Add ${n.name} is supported only as the bias of the preceding MatMul`);
        }
        const b = Array.from(weight(ins[1]).values);
        if (b.length !== pendingMatMul.w.length)
          throw new OnnxCompileError(`Add ${n.name}: bias length ${b.length}`);
        layers.push({ w: pendingMatMul.w, b, relu: false });
        pendingMatMul = undefined;
        current = out;
        break;
      }
      case "Relu": {
        if (pendingMatMul) {
          layers.push({ w: pendingMatMul.w, b: pendingMatMul.w.map(() => 0), relu: false });
          pendingMatMul = undefined;
        }
        const last = layers[layers.length - 1];
        if (!last || ins[0] !== current || last.relu)
          throw new OnnxCompileError(`Relu ${n.name} must follow a dense layer`);
        last.relu = true;
        current = out;
        break;
      }
      default:
        throw new OnnxCompileError(
          `unsupported ONNX operator ${n.opType} (${n.name}); supported: Gemm, MatMul, Add, Relu`,
        );
    }
  }
  if (pendingMatMul) layers.push({ w: pendingMatMul.w, b: pendingMatMul.w.map(() => 0), relu: false });
  if (current !== outputs[0])
    throw new OnnxCompileError(`the chain ends at ${current}, not at the graph output ${outputs[0]}`);
  if (layers.length === 0) throw new OnnxCompileError("the graph has no dense layer");
  layers.forEach((l, i) => {
    const prev = i === 0 ? undefined : layers[i - 1];
    if (prev && l.w[0]?.length !== prev.w.length)
      throw new OnnxCompileError(`layer ${i} input width mismatch`);
  });
  return {
    name: graph.name ?? "onnx-mlp",
    inputName,
    outputName: outputs[0] as string,
    inputs: layers[0]?.w[0]?.length ?? 0,
    layers,
  };
}

export interface QuantizeOptions {
  /** Scale 2^scaleBits for inputs, weights, activations (biases at twice). Default 8. */
  readonly scaleBits?: number;
  /** Inputs are reals in [0, inputMax]. Default 1 (pixels). */
  readonly inputMax?: number;
  readonly name?: string;
}

/** round-half-up, as @darwin/models quantizes. */
export const quantizeValue = (v: number, bits: number): bigint => BigInt(Math.floor(v * 2 ** bits + 0.5));

/** Quantizes a float MLP: weights at 2^s, biases at 2^(2s), inputs unsigned at 2^s. */
export function quantizeMlp(mlp: FloatMlp, opts: QuantizeOptions = {}): QuantizedMlp {
  const s = opts.scaleBits ?? 8;
  const inputMax = opts.inputMax ?? 1;
  const maxInput = quantizeValue(inputMax, s);
  let inputBits = 1;
  while (1n << BigInt(inputBits) <= maxInput) inputBits++;
  return {
    name: opts.name ?? mlp.name,
    scaleBits: s,
    inputBits,
    inputMax: maxInput,
    layers: mlp.layers.map((l) => ({
      w: l.w.map((r) => r.map((v) => quantizeValue(v, s))),
      b: l.b.map((v) => quantizeValue(v, 2 * s)),
      relu: l.relu,
    })),
  };
}

/** Quantizes inputs in [0, inputMax] like quantizeMlp (round-half-up at scale 2^s). */
export function quantizeInputs(values: ArrayLike<number>, scaleBits = 8): bigint[] {
  return Array.from({ length: values.length }, (_, i) => quantizeValue(values[i] as number, scaleBits));
}

/**
 * A bound on |quantized logit / 2^s - float logit|: input and weight rounding (<= 2^-(s+1) each),
 * bias rounding (<= 2^-(2s+1)) and each floor rescale (< 2^-s), propagated through the layers by
 * |W| (ReLU is 1-Lipschitz). With `input`, the bound for that input (activation magnitudes from its
 * float forward pass); without, the worst case over every input in [0, inputMax] (much looser).
 */
export function quantizationErrorBound(
  mlp: FloatMlp,
  q: QuantizedMlp,
  input?: ArrayLike<number>,
  inputMax = 1,
): number {
  const s = q.scaleBits;
  const analysis = analyzeMlp(q);
  const half = 2 ** -(s + 1);
  let err = Array.from({ length: mlp.inputs }, () => half);
  let mag = Array.from({ length: mlp.inputs }, (_, i) => (input ? Math.abs(input[i] as number) : inputMax));
  let act = input ? Array.from({ length: mlp.inputs }, (_, i) => input[i] as number) : undefined;
  mlp.layers.forEach((l, li) => {
    err = l.w.map(
      (row) =>
        row.reduce(
          (acc, w, i) =>
            acc + Math.abs(w) * (err[i] as number) + (mag[i] as number) * half + half * (err[i] as number),
          0,
        ) +
        2 ** -(2 * s + 1) +
        2 ** -s,
    );
    if (act) {
      const prev = act;
      act = l.w.map((row, j) => {
        const v = row.reduce((a, w, i) => a + w * (prev[i] as number), l.b[j] as number);
        return l.relu ? Math.max(0, v) : v;
      });
      mag = act.map((v) => Math.abs(v));
    } else {
      const range = analysis.layers[li];
      const bound = range ? Math.max(Math.abs(Number(range.min)), Math.abs(Number(range.max))) / 2 ** s : 0;
      mag = l.w.map(() => bound + 1);
    }
  });
  return Math.max(...err);
}
