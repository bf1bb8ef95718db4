// Shared test fixtures: the committed models, loaded into an in-memory ModelSource.
import { readArtifact, readManifest, readModelIndex } from "@darwin/models";
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
