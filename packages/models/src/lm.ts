// The tiny byte-level transformer language model: token + position embeddings, pre-LayerNorm blocks
// (causal multi-head attention, ReLU MLP) and a linear head over the 256 byte values, initialised from
// a seed and trained briefly on the shipped corpus (lm-train.ts). The graph is exported whole and as
// one ONNX file per stage (embedding, each block, head), so a pipeline of AI nodes can run the stages
// on different machines.
import {
  decodeModel,
  encodeModel,
  floatTensor,
  type GraphSpec,
  int64Tensor,
  node,
  type OnnxNode,
  type OnnxTensor,
  valueInfo,
} from "./onnx.ts";
import { createPrng, type Prng } from "./prng.ts";

export const LM_NAME = "darwin-tiny-lm";
export const LM_VERSION = "1.0.0";
export const LM_INPUT_NAME = "tokens";
export const LM_OUTPUT_NAME = "logits";
/** Masked attention scores get this added; finite so a softmax never sees NaN. */
const MASK_VALUE = -1e9;
const LN_EPSILON = 1e-5;

export interface LmConfig {
  readonly vocab: number;
  readonly dModel: number;
  readonly heads: number;
  readonly layers: number;
  readonly context: number;
  readonly mlp: number;
  readonly seed: number;
}

export const DEFAULT_LM_CONFIG: LmConfig = {
  vocab: 256,
  dModel: 32,
  heads: 2,
  layers: 2,
  context: 32,
  mlp: 64,
  seed: 0x1a7e5,
};

/** Row-major `[in][out]` matrices, like the classifier's. */
export interface LmBlockWeights {
  readonly ln1Gamma: Float32Array;
  readonly ln1Beta: Float32Array;
  /** `[d][3d]`: query, key, value projections side by side. */
  readonly wQkv: Float32Array;
  readonly bQkv: Float32Array;
  readonly wOut: Float32Array;
  readonly bOut: Float32Array;
  readonly ln2Gamma: Float32Array;
  readonly ln2Beta: Float32Array;
  readonly wUp: Float32Array;
  readonly bUp: Float32Array;
  readonly wDown: Float32Array;
  readonly bDown: Float32Array;
}

export interface LmWeights {
  readonly config: LmConfig;
  readonly tokenEmbedding: Float32Array;
  readonly positionEmbedding: Float32Array;
  readonly blocks: readonly LmBlockWeights[];
  readonly lnFGamma: Float32Array;
  readonly lnFBeta: Float32Array;
  readonly wHead: Float32Array;
  readonly bHead: Float32Array;
}

function gaussian(rng: Prng, n: number, std: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * std);
}

/** The seeded initialisation of every weight. */
export function initLm(config: LmConfig = DEFAULT_LM_CONFIG): LmWeights {
  const rng = createPrng(config.seed);
  const { vocab: V, dModel: d, context: C, mlp: M } = config;
  const blocks: LmBlockWeights[] = [];
  const embedding = gaussian(rng, V * d, 1);
  const positions = gaussian(rng, C * d, 0.2);
  for (let l = 0; l < config.layers; l++) {
    blocks.push({
      ln1Gamma: new Float32Array(d).fill(1),
      ln1Beta: new Float32Array(d),
      wQkv: gaussian(rng, d * 3 * d, 1 / Math.sqrt(d)),
      bQkv: new Float32Array(3 * d),
      wOut: gaussian(rng, d * d, 0.5 / Math.sqrt(d)),
      bOut: new Float32Array(d),
      ln2Gamma: new Float32Array(d).fill(1),
      ln2Beta: new Float32Array(d),
      wUp: gaussian(rng, d * M, Math.sqrt(2 / d)),
      bUp: new Float32Array(M),
      wDown: gaussian(rng, M * d, 0.5 / Math.sqrt(M)),
      bDown: new Float32Array(d),
    });
  }
  return {
    config,
    tokenEmbedding: embedding,
    positionEmbedding: positions,
    blocks,
    lnFGamma: new Float32Array(d).fill(1),
    lnFBeta: new Float32Array(d),
    wHead: gaussian(rng, d * V, 0.02),
    bHead: new Float32Array(V),
  };
}

// ---------------------------------------------------------------------------------------------------
// TypeScript reference forward pass (float64 arithmetic over the float32 weights). Hidden states are
// row-major `[T][d]` Float64Arrays.
// ---------------------------------------------------------------------------------------------------

function layerNorm(
  x: Float64Array,
  T: number,
  d: number,
  gamma: Float32Array,
  beta: Float32Array,
): Float64Array {
  const out = new Float64Array(T * d);
  for (let t = 0; t < T; t++) {
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x[t * d + i] as number;
    mean /= d;
    let variance = 0;
    for (let i = 0; i < d; i++) variance += ((x[t * d + i] as number) - mean) ** 2;
    variance /= d;
    const inv = 1 / Math.sqrt(variance + LN_EPSILON);
    for (let i = 0; i < d; i++) {
      out[t * d + i] = ((x[t * d + i] as number) - mean) * inv * (gamma[i] as number) + (beta[i] as number);
    }
  }
  return out;
}

function linear(
  x: Float64Array,
  T: number,
  n: number,
  m: number,
  w: Float32Array,
  b: Float32Array,
): Float64Array {
  const out = new Float64Array(T * m);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < m; j++) out[t * m + j] = b[j] as number;
    for (let i = 0; i < n; i++) {
      const xi = x[t * n + i] as number;
      for (let j = 0; j < m; j++) out[t * m + j] = (out[t * m + j] as number) + xi * (w[i * m + j] as number);
    }
  }
  return out;
}

export function lmEmbed(weights: LmWeights, tokens: readonly number[]): Float64Array {
  const { dModel: d, context: C, vocab: V } = weights.config;
  if (tokens.length === 0 || tokens.length > C) throw new Error(`sequence length must be 1..${C}`);
  const out = new Float64Array(tokens.length * d);
  tokens.forEach((tok, t) => {
    if (!Number.isInteger(tok) || tok < 0 || tok >= V) throw new Error(`token ${tok} outside 0..${V - 1}`);
    for (let i = 0; i < d; i++) {
      out[t * d + i] =
        (weights.tokenEmbedding[tok * d + i] as number) + (weights.positionEmbedding[t * d + i] as number);
    }
  });
  return out;
}

export function lmBlock(weights: LmWeights, layer: number, x: Float64Array): Float64Array {
  const { dModel: d, heads: H, mlp: M } = weights.config;
  const blk = weights.blocks[layer];
  if (!blk) throw new Error(`no block ${layer}`);
  const T = x.length / d;
  const hd = d / H;
  const h = layerNorm(x, T, d, blk.ln1Gamma, blk.ln1Beta);
  const qkv = linear(h, T, d, 3 * d, blk.wQkv, blk.bQkv);
  const att = new Float64Array(T * d);
  const scale = 1 / Math.sqrt(hd);
  const scores = new Float64Array(T);
  for (let head = 0; head < H; head++) {
    for (let t = 0; t < T; t++) {
      let max = Number.NEGATIVE_INFINITY;
      for (let s = 0; s < T; s++) {
        let dot = 0;
        for (let i = 0; i < hd; i++) {
          dot += (qkv[t * 3 * d + head * hd + i] as number) * (qkv[s * 3 * d + d + head * hd + i] as number);
        }
        const v = dot * scale + (s > t ? MASK_VALUE : 0);
        scores[s] = v;
        if (v > max) max = v;
      }
      let sum = 0;
      for (let s = 0; s < T; s++) {
        scores[s] = Math.exp((scores[s] as number) - max);
        sum += scores[s] as number;
      }
      for (let s = 0; s < T; s++) {
        const p = (scores[s] as number) / sum;
        for (let i = 0; i < hd; i++) {
          att[t * d + head * hd + i] =
            (att[t * d + head * hd + i] as number) + p * (qkv[s * 3 * d + 2 * d + head * hd + i] as number);
        }
      }
    }
  }
  const proj = linear(att, T, d, d, blk.wOut, blk.bOut);
  const x1 = x.map((v, i) => v + (proj[i] as number));
  const h2 = layerNorm(x1, T, d, blk.ln2Gamma, blk.ln2Beta);
  const up = linear(h2, T, d, M, blk.wUp, blk.bUp).map((v) => Math.max(0, v));
  const down = linear(up, T, M, d, blk.wDown, blk.bDown);
  return x1.map((v, i) => v + (down[i] as number));
}

/** Final LayerNorm output, the features the head reads. */
export function lmFeatures(weights: LmWeights, x: Float64Array): Float64Array {
  const d = weights.config.dModel;
  return layerNorm(x, x.length / d, d, weights.lnFGamma, weights.lnFBeta);
}

export function lmHead(weights: LmWeights, x: Float64Array): Float64Array {
  const { dModel: d, vocab: V } = weights.config;
  const f = lmFeatures(weights, x);
  return linear(f, x.length / d, d, V, weights.wHead, weights.bHead);
}

/** Logits `[T][vocab]` for one sequence, row-major. */
export function lmForward(weights: LmWeights, tokens: readonly number[]): Float64Array {
  let x = lmEmbed(weights, tokens);
  for (let l = 0; l < weights.config.layers; l++) x = lmBlock(weights, l, x);
  return lmHead(weights, x);
}

// ---------------------------------------------------------------------------------------------------
// ONNX export. Stage `k` reads `h{k}` and writes `h{k+1}`; the embedding reads `tokens` and writes
// `h0`; the head reads `h{layers}` and writes `logits`. The whole graph is the stages' nodes joined.
// ---------------------------------------------------------------------------------------------------

interface Stage {
  readonly name: string;
  readonly nodes: OnnxNode[];
  readonly initializers: OnnxTensor[];
  readonly input: string;
  readonly output: string;
}

export function hiddenName(stage: number): string {
  return `h${stage}`;
}

function embeddingStage(w: LmWeights): Stage {
  const { vocab: V, dModel: d, context: C } = w.config;
  const p = "embed";
  return {
    name: "embedding",
    input: LM_INPUT_NAME,
    output: hiddenName(0),
    initializers: [
      floatTensor(`${p}.token`, [V, d], w.tokenEmbedding),
      floatTensor(`${p}.position`, [C, d], w.positionEmbedding),
      int64Tensor(`${p}.zero`, [1], [0]),
    ],
    nodes: [
      node("Gather", [`${p}.token`, LM_INPUT_NAME], [`${p}.tok`], `${p}/gather_tokens`, { axis: 0 }),
      node("Shape", [LM_INPUT_NAME], [`${p}.seq`], `${p}/seq_len`, { start: 1, end: 2 }),
      node("Slice", [`${p}.position`, `${p}.zero`, `${p}.seq`, `${p}.zero`], [`${p}.pos`], `${p}/positions`),
      node("Add", [`${p}.tok`, `${p}.pos`], [hiddenName(0)], `${p}/add`),
    ],
  };
}

function blockStage(w: LmWeights, layer: number): Stage {
  const { dModel: d, heads: H, context: C, mlp: M } = w.config;
  const blk = w.blocks[layer];
  if (!blk) throw new Error(`no block ${layer}`);
  const p = `block${layer}`;
  const x = hiddenName(layer);
  const hd = d / H;
  const mask = new Float32Array(C * C);
  for (let t = 0; t < C; t++) for (let s = t + 1; s < C; s++) mask[t * C + s] = MASK_VALUE;
  const n = (s: string) => `${p}.${s}`;
  return {
    name: p,
    input: x,
    output: hiddenName(layer + 1),
    initializers: [
      floatTensor(n("ln1.gamma"), [d], blk.ln1Gamma),
      floatTensor(n("ln1.beta"), [d], blk.ln1Beta),
      floatTensor(n("attn.w_qkv"), [d, 3 * d], blk.wQkv),
      floatTensor(n("attn.b_qkv"), [3 * d], blk.bQkv),
      floatTensor(n("attn.w_out"), [d, d], blk.wOut),
      floatTensor(n("attn.b_out"), [d], blk.bOut),
      floatTensor(n("ln2.gamma"), [d], blk.ln2Gamma),
      floatTensor(n("ln2.beta"), [d], blk.ln2Beta),
      floatTensor(n("mlp.w_up"), [d, M], blk.wUp),
      floatTensor(n("mlp.b_up"), [M], blk.bUp),
      floatTensor(n("mlp.w_down"), [M, d], blk.wDown),
      floatTensor(n("mlp.b_down"), [d], blk.bDown),
      floatTensor(n("attn.mask"), [C, C], mask),
      floatTensor(n("attn.scale"), [], Float32Array.of(1 / Math.sqrt(hd))),
      int64Tensor(n("split"), [3], [d, d, d]),
      int64Tensor(n("heads_shape"), [4], [0, 0, H, hd]),
      int64Tensor(n("merge_shape"), [3], [0, 0, d]),
      int64Tensor(n("zeros2"), [2], [0, 0]),
      int64Tensor(n("axes01"), [2], [0, 1]),
    ],
    nodes: [
      node("LayerNormalization", [x, n("ln1.gamma"), n("ln1.beta")], [n("ln1")], n("ln1"), {
        axis: -1,
        epsilon: { float: LN_EPSILON },
      }),
      node("MatMul", [n("ln1"), n("attn.w_qkv")], [n("qkv_mm")], n("qkv_matmul")),
      node("Add", [n("qkv_mm"), n("attn.b_qkv")], [n("qkv")], n("qkv_bias")),
      node("Split", [n("qkv"), n("split")], [n("q"), n("k"), n("v")], n("split_qkv"), { axis: -1 }),
      node("Reshape", [n("q"), n("heads_shape")], [n("q4")], n("q_heads")),
      node("Reshape", [n("k"), n("heads_shape")], [n("k4")], n("k_heads")),
      node("Reshape", [n("v"), n("heads_shape")], [n("v4")], n("v_heads")),
      node("Transpose", [n("q4")], [n("qh")], n("q_t"), { perm: [0, 2, 1, 3] }),
      node("Transpose", [n("k4")], [n("kt")], n("k_t"), { perm: [0, 2, 3, 1] }),
      node("Transpose", [n("v4")], [n("vh")], n("v_t"), { perm: [0, 2, 1, 3] }),
      node("MatMul", [n("qh"), n("kt")], [n("scores_raw")], n("scores")),
      node("Mul", [n("scores_raw"), n("attn.scale")], [n("scores_scaled")], n("scale")),
      node("Shape", [x], [n("seq")], n("seq_len"), { start: 1, end: 2 }),
      node("Concat", [n("seq"), n("seq")], [n("mask_end")], n("mask_end"), { axis: 0 }),
      node("Slice", [n("attn.mask"), n("zeros2"), n("mask_end"), n("axes01")], [n("mask")], n("mask_slice")),
      node("Add", [n("scores_scaled"), n("mask")], [n("scores_masked")], n("mask_add")),
      node("Softmax", [n("scores_masked")], [n("probs")], n("softmax"), { axis: -1 }),
      node("MatMul", [n("probs"), n("vh")], [n("ctx_h")], n("attend")),
      node("Transpose", [n("ctx_h")], [n("ctx4")], n("ctx_t"), { perm: [0, 2, 1, 3] }),
      node("Reshape", [n("ctx4"), n("merge_shape")], [n("ctx")], n("merge_heads")),
      node("MatMul", [n("ctx"), n("attn.w_out")], [n("proj_mm")], n("out_matmul")),
      node("Add", [n("proj_mm"), n("attn.b_out")], [n("proj")], n("out_bias")),
      node("Add", [x, n("proj")], [n("resid1")], n("residual1")),
      node("LayerNormalization", [n("resid1"), n("ln2.gamma"), n("ln2.beta")], [n("ln2")], n("ln2"), {
        axis: -1,
        epsilon: { float: LN_EPSILON },
      }),
      node("MatMul", [n("ln2"), n("mlp.w_up")], [n("up_mm")], n("up_matmul")),
      node("Add", [n("up_mm"), n("mlp.b_up")], [n("up")], n("up_bias")),
      node("Relu", [n("up")], [n("up_relu")], n("relu")),
      node("MatMul", [n("up_relu"), n("mlp.w_down")], [n("down_mm")], n("down_matmul")),
      node("Add", [n("down_mm"), n("mlp.b_down")], [n("down")], n("down_bias")),
      node("Add", [n("resid1"), n("down")], [hiddenName(layer + 1)], n("residual2")),
    ],
  };
}

function headStage(w: LmWeights): Stage {
  const { dModel: d, vocab: V, layers: L } = w.config;
  const x = hiddenName(L);
  return {
    name: "head",
    input: x,
    output: LM_OUTPUT_NAME,
    initializers: [
      floatTensor("head.ln.gamma", [d], w.lnFGamma),
      floatTensor("head.ln.beta", [d], w.lnFBeta),
      floatTensor("head.w", [d, V], w.wHead),
      floatTensor("head.b", [V], w.bHead),
    ],
    nodes: [
      node("LayerNormalization", [x, "head.ln.gamma", "head.ln.beta"], ["head.ln"], "head/ln", {
        axis: -1,
        epsilon: { float: LN_EPSILON },
      }),
      node("MatMul", ["head.ln", "head.w"], ["head.mm"], "head/matmul"),
      node("Add", ["head.mm", "head.b"], [LM_OUTPUT_NAME], "head/bias"),
    ],
  };
}

export interface LmGraphPart {
  /** `embedding`, `block0`, `block1`, ..., `head`, or `whole`. */
  readonly name: string;
  readonly input: {
    readonly name: string;
    readonly dtype: "int64" | "float32";
    readonly shape: (number | string)[];
  };
  readonly output: { readonly name: string; readonly dtype: "float32"; readonly shape: (number | string)[] };
  readonly onnx: Uint8Array;
}

function ioOf(w: LmWeights, tensor: string): LmGraphPart["input"] {
  const { dModel: d, vocab: V } = w.config;
  if (tensor === LM_INPUT_NAME) return { name: tensor, dtype: "int64", shape: ["batch", "seq"] };
  if (tensor === LM_OUTPUT_NAME) return { name: tensor, dtype: "float32", shape: ["batch", "seq", V] };
  return { name: tensor, dtype: "float32", shape: ["batch", "seq", d] };
}

function stageGraph(w: LmWeights, name: string, stages: readonly Stage[]): LmGraphPart {
  const first = stages[0];
  const last = stages[stages.length - 1];
  if (!first || !last) throw new Error("no stages");
  const input = ioOf(w, first.input);
  const output = ioOf(w, last.output) as LmGraphPart["output"];
  const spec: GraphSpec = {
    name: `${LM_NAME}.${name}`,
    docString: `${LM_NAME} ${name}: ${input.name} -> ${output.name}`,
    nodes: stages.flatMap((s) => s.nodes),
    initializers: stages.flatMap((s) => s.initializers),
    inputs: [valueInfo(input.name, input.dtype, input.shape)],
    outputs: [valueInfo(output.name, output.dtype, output.shape)],
  };
  return { name, input, output, onnx: encodeModel(spec, { version: LM_VERSION }) };
}

/** The whole graph first, then each stage in pipeline order. */
export function lmOnnxGraphs(w: LmWeights): { whole: LmGraphPart; stages: LmGraphPart[] } {
  const stages = [embeddingStage(w), ...w.blocks.map((_, l) => blockStage(w, l)), headStage(w)];
  return {
    whole: stageGraph(w, "whole", stages),
    stages: stages.map((s) => stageGraph(w, s.name, [s])),
  };
}

/**
 * Reads the weights back out of the whole-graph ONNX file (its initializers), so tools and tests can
 * use the committed model without retraining it.
 */
export function lmWeightsFromOnnx(bytes: Uint8Array, config: LmConfig = DEFAULT_LM_CONFIG): LmWeights {
  const model = decodeModel(bytes);
  const tensors = new Map<string, Float32Array>();
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataType !== 1 || !t.name || !t.rawData) continue;
    const raw = t.rawData;
    const values = new Float32Array(raw.length / 4);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
    tensors.set(t.name, values);
  }
  const get = (name: string): Float32Array => {
    const t = tensors.get(name);
    if (!t) throw new Error(`the ONNX file has no initializer ${name}`);
    return t;
  };
  return {
    config,
    tokenEmbedding: get("embed.token"),
    positionEmbedding: get("embed.position"),
    blocks: Array.from({ length: config.layers }, (_, l) => {
      const b = (s: string) => get(`block${l}.${s}`);
      return {
        ln1Gamma: b("ln1.gamma"),
        ln1Beta: b("ln1.beta"),
        wQkv: b("attn.w_qkv"),
        bQkv: b("attn.b_qkv"),
        wOut: b("attn.w_out"),
        bOut: b("attn.b_out"),
        ln2Gamma: b("ln2.gamma"),
        ln2Beta: b("ln2.beta"),
        wUp: b("mlp.w_up"),
        bUp: b("mlp.b_up"),
        wDown: b("mlp.w_down"),
        bDown: b("mlp.b_down"),
      };
    }),
    lnFGamma: get("head.ln.gamma"),
    lnFBeta: get("head.ln.beta"),
    wHead: get("head.w"),
    bHead: get("head.b"),
  };
}
