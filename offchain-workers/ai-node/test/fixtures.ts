// Shared test fixtures: the committed models, loaded into an in-memory ModelSource.
import { onnxBuilder, readArtifact, readManifest, readModelIndex, stableJson } from "@darwin/models";
import { type MemoryModelSource, memoryModelSource } from "../src/model-source.ts";
import type { Tensor } from "../src/tensor.ts";

export const classifierManifest = readManifest("darwin-mnist-mlp");
export const lmManifest = readManifest("darwin-tiny-lm");

export function manifestCidOf(name: string): string {
  const entry = readModelIndex().find((m) => m.name === name);
  if (!entry) throw new Error(`no model ${name} in the index`);
  return entry.manifestCid;
}

export const CLASSIFIER = manifestCidOf("darwin-mnist-mlp");
export const LM = manifestCidOf("darwin-tiny-lm");

/** Every committed file of both models, added as `ipfs add` would (so CIDs match the manifests). */
export async function sourceWithModels(): Promise<MemoryModelSource> {
  const source = memoryModelSource();
  for (const entry of readModelIndex()) {
    const cid = await source.put(readArtifact(entry.manifest));
    if (cid !== entry.manifestCid) throw new Error(`manifest CID ${cid} != ${entry.manifestCid}`);
    const manifest = readManifest(entry.name);
    for (const file of manifest.files) await source.put(readArtifact(`${entry.name}/${file.path}`));
  }
  return source;
}

export function pixels(values: ArrayLike<number>, batch = 1): Tensor {
  return { dtype: "float32", shape: [batch, 49], data: Float32Array.from(values) };
}

export function tokens(text: string): Tensor {
  const bytes = new TextEncoder().encode(text);
  return { dtype: "int64", shape: [1, bytes.length], data: BigInt64Array.from(bytes, (b) => BigInt(b)) };
}

/** A deliberately slow graph (100 chained 512x512 MatMuls, ~0.4 G multiply-adds at 16 rows) behind a manifest. */
export async function putSlowModel(
  source: MemoryModelSource,
): Promise<{ manifestCid: string; input: Tensor }> {
  const { encodeModel, floatTensor, node, valueInfo } = onnxBuilder;
  const n = 512;
  const w = Float32Array.from({ length: n * n }, (_, i) => ((i % 7) - 3) / n);
  const nodes = Array.from({ length: 100 }, (_, k) =>
    node("MatMul", [k === 0 ? "x" : `h${k}`, "W"], [k === 99 ? "y" : `h${k + 1}`], `mm${k}`),
  );
  const onnx = encodeModel(
    {
      name: "slow",
      nodes,
      initializers: [floatTensor("W", [n, n], w)],
      inputs: [valueInfo("x", "float32", ["batch", n])],
      outputs: [valueInfo("y", "float32", ["batch", n])],
    },
    { version: "0.0.1" },
  );
  const modelCid = await source.put(onnx);
  const manifest = {
    ...lmManifest,
    name: "slow",
    task: "classification",
    inputs: [{ name: "x", dtype: "float32", shape: ["batch", n] }],
    outputs: [{ name: "y", dtype: "float32", shape: ["batch", n] }],
    model: { file: "slow.onnx", cid: modelCid, bytes: onnx.length },
    stages: [],
  };
  const manifestCid = await source.put(new TextEncoder().encode(stableJson(manifest)));
  return { manifestCid, input: { dtype: "float32", shape: [16, n], data: new Float32Array(16 * n).fill(1) } };
}
