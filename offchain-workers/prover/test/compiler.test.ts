// The ONNX model compiler: parses the default classifier to exactly the integers @darwin/models
// commits to, supports MatMul+Add chains, and rejects what it cannot compile with a typed error.
import { defaultClassifierMlp } from "@darwin/circuits";
import { defaultClassifier } from "@darwin/models";
import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { OnnxCompileError, parseOnnxMlp, quantizationErrorBound, quantizeMlp } from "../src/compiler.ts";

const { onnx } = onnxProto;

function tensor(name: string, dims: number[], values: number[]): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values };
}

function model(
  nodes: onnxProto.onnx.INodeProto[],
  inits: onnxProto.onnx.ITensorProto[],
  nIn: number,
  nOut: number,
): Uint8Array {
  const io = (name: string, n: number): onnxProto.onnx.IValueInfoProto => ({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: "batch" }, { dimValue: n }] },
      },
    },
  });
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    graph: { name: "t", node: nodes, initializer: inits, input: [io("x", nIn)], output: [io("y", nOut)] },
  }).finish();
}

describe("parseOnnxMlp + quantizeMlp", () => {
  it("compiles the default classifier's ONNX to the exact fixed-point model @darwin/models commits", () => {
    const parsed = parseOnnxMlp(defaultClassifier().onnx);
    expect(parsed.inputs).toBe(49);
    expect(parsed.layers.map((l) => [l.w.length, l.relu])).toEqual([
      [16, true],
      [10, false],
    ]);
    const q = quantizeMlp(parsed, { scaleBits: 8, inputMax: 1 });
    const ref = defaultClassifierMlp();
    expect(q.inputBits).toBe(ref.inputBits);
    expect(q.inputMax).toBe(ref.inputMax);
    expect(q.layers).toEqual(ref.layers);
    const worst = quantizationErrorBound(parsed, q);
    const zero = quantizationErrorBound(parsed, q, new Array(49).fill(0));
    expect(zero).toBeGreaterThan(0);
    expect(zero).toBeLessThan(worst);
  });

  it("compiles MatMul + Add + Relu chains and agrees with onnxruntime in float", async () => {
    const w1 = [0.5, -1, 0.25, 2, -0.75, 1.5]; // [in=2][out=3]
    const b1 = [0.1, -0.2, 0.3];
    const w2 = [1, -1, 0.5, 0.5, -2, 1]; // [in=3][out=2]
    const bytes = model(
      [
        { opType: "MatMul", input: ["x", "W1"], output: ["m1"], name: "mm1" },
        { opType: "Add", input: ["m1", "B1"], output: ["a1"], name: "add1" },
        { opType: "Relu", input: ["a1"], output: ["r1"], name: "relu1" },
        { opType: "MatMul", input: ["r1", "W2"], output: ["y"], name: "mm2" },
      ],
      [tensor("W1", [2, 3], w1), tensor("B1", [3], b1), tensor("W2", [3, 2], w2)],
      2,
      2,
    );
    const parsed = parseOnnxMlp(bytes);
    expect(parsed.layers.map((l) => l.relu)).toEqual([true, false]);
    const x = [0.3, 0.9];
    const forward = parsed.layers.reduce<number[]>(
      (h, l) =>
        l.w.map((row, j) =>
          Math.max(
            l.relu ? 0 : -Infinity,
            row.reduce((a, w, i) => a + w * (h[i] as number), l.b[j] as number),
          ),
        ),
      x,
    );
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ x: new ort.Tensor("float32", Float32Array.from(x), [1, 2]) });
    await session.release();
    const y = Array.from((out.y as ort.Tensor).data as Float32Array);
    forward.forEach((v, i) => {
      expect(v).toBeCloseTo(y[i] as number, 5);
    });
  });

  it("rejects bytes that are not ONNX", () => {
    expect(() => parseOnnxMlp(Uint8Array.from([0xff, 0xff, 0xff, 0x01]))).toThrow(OnnxCompileError);
  });

  it("rejects unsupported operators by name", () => {
    const bytes = model(
      [
        { opType: "Gemm", input: ["x", "W", "B"], output: ["g"], name: "g" },
        { opType: "Sigmoid", input: ["g"], output: ["y"], name: "sig" },
      ],
      [tensor("W", [2, 2], [1, 0, 0, 1]), tensor("B", [2], [0, 0])],
      2,
      2,
    );
    expect(() => parseOnnxMlp(bytes)).toThrow(/unsupported ONNX operator Sigmoid/);
  });

  it("rejects graphs that are not a chain", () => {
    const bytes = model(
      [
        { opType: "Gemm", input: ["x", "W", "B"], output: ["g"], name: "g" },
        { opType: "Gemm", input: ["x", "W", "B"], output: ["y"], name: "g2" },
      ],
      [tensor("W", [2, 2], [1, 0, 0, 1]), tensor("B", [2], [0, 0])],
      2,
      2,
    );
    expect(() => parseOnnxMlp(bytes)).toThrow(OnnxCompileError);
  });
});
