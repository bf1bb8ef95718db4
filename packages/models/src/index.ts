// @darwin/models: the models that ship with Darwin, their builders, reference implementations and
// typed accessors over the committed artifacts (packages/models/artifacts).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ClassifierWeightsFile } from "./build.ts";
import type { ClassifierWeights, FixedClassifier } from "./classifier.ts";
import { CLASSIFIER_NAME } from "./classifier.ts";
import { LM_NAME, type LmWeights, lmWeightsFromOnnx } from "./lm.ts";
import { type ModelManifest, parseManifest } from "./manifest.ts";
import { type Dataset, loadMnistPooled } from "./mnist.ts";

export * from "./build.ts";
export * from "./classifier.ts";
export * from "./lm.ts";
export * from "./lm-train.ts";
export * from "./manifest.ts";
export * from "./mnist.ts";
/** Low-level ONNX graph building (tensors, value infos, nodes, deterministic model encoding). */
export * as onnxBuilder from "./onnx.ts";
export { createPrng, type Prng } from "./prng.ts";

/** Absolute path of the committed artifacts folder. */
export const artifactsDir: string = fileURLToPath(new URL("../artifacts/", import.meta.url));

/** Bytes of one committed artifact, e.g. `readArtifact("darwin-mnist-mlp/classifier.onnx")`. */
export function readArtifact(path: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../artifacts/${path}`, import.meta.url)));
}

export function readManifest(modelName: string): ModelManifest {
  return parseManifest(JSON.parse(new TextDecoder().decode(readArtifact(`${modelName}/manifest.json`))));
}

export interface ModelIndexEntry {
  readonly name: string;
  readonly version: string;
  readonly manifest: string;
  readonly manifestCid: string;
  readonly modelCid: string;
}

/** The committed `index.json`: every model, its manifest path and manifest CID. */
export function readModelIndex(): readonly ModelIndexEntry[] {
  return (JSON.parse(new TextDecoder().decode(readArtifact("index.json"))) as { models: ModelIndexEntry[] })
    .models;
}

export const DEFAULT_CLASSIFIER_NAME = CLASSIFIER_NAME;
export const DEFAULT_LM_NAME = LM_NAME;

export interface DefaultClassifier {
  readonly manifest: ModelManifest;
  readonly shape: { readonly input: number; readonly hidden: number; readonly output: number };
  /** Float32 weights exactly as in the ONNX file. */
  readonly weights: ClassifierWeights;
  /** The integer twin SPECTER proves (scale 2^fixed.scaleBits; biases at twice that). */
  readonly fixed: FixedClassifier;
  readonly onnx: Uint8Array;
}

let classifierCache: DefaultClassifier | undefined;

/** The default classifier as committed: manifest, float and fixed-point weights, ONNX bytes. */
export function defaultClassifier(): DefaultClassifier {
  if (classifierCache) return classifierCache;
  const manifest = readManifest(CLASSIFIER_NAME);
  const file = JSON.parse(
    new TextDecoder().decode(readArtifact(`${CLASSIFIER_NAME}/weights.json`)),
  ) as ClassifierWeightsFile;
  classifierCache = {
    manifest,
    shape: file.shape,
    weights: {
      w1: Float32Array.from(file.float.w1),
      b1: Float32Array.from(file.float.b1),
      w2: Float32Array.from(file.float.w2),
      b2: Float32Array.from(file.float.b2),
    },
    fixed: {
      scaleBits: file.fixed.scaleBits,
      w1: Int32Array.from(file.fixed.w1),
      b1: Int32Array.from(file.fixed.b1),
      w2: Int32Array.from(file.fixed.w2),
      b2: Int32Array.from(file.fixed.b2),
    },
    onnx: readArtifact(`${CLASSIFIER_NAME}/${manifest.model.file}`),
  };
  return classifierCache;
}

/** The held-out MNIST digits (7x7 pooled) the classifier's accuracy is measured on. */
export function classifierTestSet(): Dataset {
  return loadMnistPooled().test;
}

/** The committed LM's weights, read from its whole-graph ONNX file. */
export function defaultLm(): { readonly manifest: ModelManifest; readonly weights: LmWeights } {
  const manifest = readManifest(LM_NAME);
  return { manifest, weights: lmWeightsFromOnnx(readArtifact(`${LM_NAME}/${manifest.model.file}`)) };
}
