// Thin helpers over the ONNX protobuf schema (onnx-proto, protobufjs static code) for building graphs
// by hand. Everything here is deterministic: the same calls give the same bytes.
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;
export type OnnxNode = onnxProto.onnx.INodeProto;
export type OnnxTensor = onnxProto.onnx.ITensorProto;
export type OnnxValueInfo = onnxProto.onnx.IValueInfoProto;
export type OnnxAttribute = onnxProto.onnx.IAttributeProto;

export const ONNX_IR_VERSION = 8;
/** Opset 17 brings LayerNormalization; onnxruntime-node 1.30 runs it. */
export const ONNX_OPSET = 17;

export type Dim = number | string;
export type OnnxDtype = "float32" | "int64";

const DTYPE_CODE: Record<OnnxDtype, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
};

export function floatTensor(name: string, dims: readonly number[], values: Float32Array): OnnxTensor {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (values.length !== expected) throw new Error(`tensor ${name}: ${values.length} values for dims ${dims}`);
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  return { name, dims: [...dims], dataType: DTYPE_CODE.float32, rawData: raw };
}

export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): OnnxTensor {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i] as number), true);
  return { name, dims: [...dims], dataType: DTYPE_CODE.int64, rawData: raw };
}

export function valueInfo(name: string, dtype: OnnxDtype, shape: readonly Dim[]): OnnxValueInfo {
  return {
    name,
    type: {
      tensorType: {
        elemType: DTYPE_CODE[dtype],
        shape: { dim: shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export type AttrValue = number | readonly number[] | { readonly float: number };

export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  name: string,
  attrs: Readonly<Record<string, AttrValue>> = {},
): OnnxNode {
  const attribute: OnnxAttribute[] = Object.entries(attrs).map(([key, v]) => {
    if (typeof v === "number") return { name: key, type: onnx.AttributeProto.AttributeType.INT, i: v };
    if (Array.isArray(v)) return { name: key, type: onnx.AttributeProto.AttributeType.INTS, ints: [...v] };
    return { name: key, type: onnx.AttributeProto.AttributeType.FLOAT, f: (v as { float: number }).float };
  });
  return { opType, input: [...inputs], output: [...outputs], name, attribute };
}

export interface GraphSpec {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly docString?: string;
}

/** Encodes a model. No timestamps or host data go in, so equal graphs give equal bytes. */
export function encodeModel(graph: GraphSpec, meta: { readonly version: string }): Uint8Array {
  const model: onnxProto.onnx.IModelProto = {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: "", version: ONNX_OPSET }],
    producerName: "@darwin/models",
    producerVersion: meta.version,
    docString: graph.docString ?? "",
    graph: {
      name: graph.name,
      node: [...graph.nodes],
      initializer: [...graph.initializers],
      input: [...graph.inputs],
      output: [...graph.outputs],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/** Decodes a model (used by tests to look inside the built files). */
export function decodeModel(bytes: Uint8Array): onnxProto.onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
