// Full training of the tiny LM (every weight, by backpropagation and Adam) in plain TypeScript.
// Float64 throughout; the result is rounded to float32 once at the end. Deterministic: the only
// randomness is the seeded order of training windows.
import type { LmBlockWeights, LmConfig, LmWeights } from "./lm.ts";
import { createPrng } from "./prng.ts";

const LN_EPSILON = 1e-5;
const MASK_VALUE = -1e9;

type F = Float64Array;

interface BlockParams {
  ln1Gamma: F;
  ln1Beta: F;
  wQkv: F;
  bQkv: F;
  wOut: F;
  bOut: F;
  ln2Gamma: F;
  ln2Beta: F;
  wUp: F;
  bUp: F;
  wDown: F;
  bDown: F;
}

export interface LmParams {
  readonly config: LmConfig;
  tokenEmbedding: F;
  positionEmbedding: F;
  blocks: BlockParams[];
  lnFGamma: F;
  lnFBeta: F;
  wHead: F;
  bHead: F;
}

const BLOCK_KEYS = [
  "ln1Gamma",
  "ln1Beta",
  "wQkv",
  "bQkv",
  "wOut",
  "bOut",
  "ln2Gamma",
  "ln2Beta",
  "wUp",
  "bUp",
  "wDown",
  "bDown",
] as const;
const TOP_KEYS = ["tokenEmbedding", "positionEmbedding", "lnFGamma", "lnFBeta", "wHead", "bHead"] as const;

export function paramsOf(w: LmWeights): LmParams {
  return {
    config: w.config,
    tokenEmbedding: Float64Array.from(w.tokenEmbedding),
    positionEmbedding: Float64Array.from(w.positionEmbedding),
    blocks: w.blocks.map(
      (b) =>
        Object.fromEntries(BLOCK_KEYS.map((k) => [k, Float64Array.from(b[k])])) as unknown as BlockParams,
    ),
    lnFGamma: Float64Array.from(w.lnFGamma),
    lnFBeta: Float64Array.from(w.lnFBeta),
    wHead: Float64Array.from(w.wHead),
    bHead: Float64Array.from(w.bHead),
  };
}

export function weightsOf(p: LmParams): LmWeights {
  return {
    config: p.config,
    tokenEmbedding: Float32Array.from(p.tokenEmbedding),
    positionEmbedding: Float32Array.from(p.positionEmbedding),
    blocks: p.blocks.map(
      (b) =>
        Object.fromEntries(BLOCK_KEYS.map((k) => [k, Float32Array.from(b[k])])) as unknown as LmBlockWeights,
    ),
    lnFGamma: Float32Array.from(p.lnFGamma),
    lnFBeta: Float32Array.from(p.lnFBeta),
    wHead: Float32Array.from(p.wHead),
    bHead: Float32Array.from(p.bHead),
  };
}

/** Every parameter array in a fixed order (for the optimiser and gradient checks). */
export function paramList(p: LmParams): F[] {
  return [...TOP_KEYS.map((k) => p[k]), ...p.blocks.flatMap((b) => BLOCK_KEYS.map((k) => b[k]))];
}

function zerosLike(p: LmParams): LmParams {
  const z = (a: F) => new Float64Array(a.length);
  return {
    config: p.config,
    tokenEmbedding: z(p.tokenEmbedding),
    positionEmbedding: z(p.positionEmbedding),
    blocks: p.blocks.map(
      (b) => Object.fromEntries(BLOCK_KEYS.map((k) => [k, z(b[k])])) as unknown as BlockParams,
    ),
    lnFGamma: z(p.lnFGamma),
    lnFBeta: z(p.lnFBeta),
    wHead: z(p.wHead),
    bHead: z(p.bHead),
  };
}

function linear(x: F, T: number, n: number, m: number, w: F, b: F): F {
  const out = new Float64Array(T * m);
  for (let t = 0; t < T; t++) {
    const o = t * m;
    for (let j = 0; j < m; j++) out[o + j] = b[j] as number;
    for (let i = 0; i < n; i++) {
      const xi = x[t * n + i] as number;
      if (xi === 0) continue;
      const r = i * m;
      for (let j = 0; j < m; j++) out[o + j] = (out[o + j] as number) + xi * (w[r + j] as number);
    }
  }
  return out;
}

/** Accumulates dW, db and returns dx for y = x W + b. */
function linearBack(x: F, T: number, n: number, m: number, w: F, dy: F, dw: F, db: F): F {
  const dx = new Float64Array(T * n);
  for (let t = 0; t < T; t++) {
    const o = t * m;
    for (let j = 0; j < m; j++) db[j] = (db[j] as number) + (dy[o + j] as number);
    for (let i = 0; i < n; i++) {
      const xi = x[t * n + i] as number;
      const r = i * m;
      let acc = 0;
      for (let j = 0; j < m; j++) {
        const g = dy[o + j] as number;
        acc += g * (w[r + j] as number);
        if (xi !== 0) dw[r + j] = (dw[r + j] as number) + xi * g;
      }
      dx[t * n + i] = acc;
    }
  }
  return dx;
}

interface LnCache {
  readonly xhat: F;
  readonly inv: F;
}

function layerNorm(x: F, T: number, d: number, g: F, b: F): { y: F; cache: LnCache } {
  const y = new Float64Array(T * d);
  const xhat = new Float64Array(T * d);
  const inv = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x[t * d + i] as number;
    mean /= d;
    let v = 0;
    for (let i = 0; i < d; i++) v += ((x[t * d + i] as number) - mean) ** 2;
    v /= d;
    const s = 1 / Math.sqrt(v + LN_EPSILON);
    inv[t] = s;
    for (let i = 0; i < d; i++) {
      const h = ((x[t * d + i] as number) - mean) * s;
      xhat[t * d + i] = h;
      y[t * d + i] = h * (g[i] as number) + (b[i] as number);
    }
  }
  return { y, cache: { xhat, inv } };
}

function layerNormBack(dy: F, c: LnCache, T: number, d: number, g: F, dg: F, db: F): F {
  const dx = new Float64Array(T * d);
  for (let t = 0; t < T; t++) {
    let m1 = 0;
    let m2 = 0;
    for (let i = 0; i < d; i++) {
      const k = t * d + i;
      const gy = dy[k] as number;
      dg[i] = (dg[i] as number) + gy * (c.xhat[k] as number);
      db[i] = (db[i] as number) + gy;
      const dh = gy * (g[i] as number);
      m1 += dh;
      m2 += dh * (c.xhat[k] as number);
    }
    m1 /= d;
    m2 /= d;
    const s = c.inv[t] as number;
    for (let i = 0; i < d; i++) {
      const k = t * d + i;
      const dh = (dy[k] as number) * (g[i] as number);
      dx[k] = s * (dh - m1 - (c.xhat[k] as number) * m2);
    }
  }
  return dx;
}

interface BlockCache {
  x: F;
  ln1: LnCache;
  a: F;
  qkv: F;
  probs: F;
  ctx: F;
  x1: F;
  ln2: LnCache;
  c: F;
  u: F;
  r: F;
}

function blockForward(p: BlockParams, cfg: LmConfig, x: F, T: number): { out: F; cache: BlockCache } {
  const { dModel: d, heads: H, mlp: M } = cfg;
  const hd = d / H;
  const scale = 1 / Math.sqrt(hd);
  const { y: a, cache: ln1 } = layerNorm(x, T, d, p.ln1Gamma, p.ln1Beta);
  const qkv = linear(a, T, d, 3 * d, p.wQkv, p.bQkv);
  const probs = new Float64Array(H * T * T);
  const ctx = new Float64Array(T * d);
  for (let h = 0; h < H; h++) {
    for (let t = 0; t < T; t++) {
      const row = (h * T + t) * T;
      let max = Number.NEGATIVE_INFINITY;
      for (let s = 0; s < T; s++) {
        let v = MASK_VALUE;
        if (s <= t) {
          let dot = 0;
          for (let i = 0; i < hd; i++)
            dot += (qkv[t * 3 * d + h * hd + i] as number) * (qkv[s * 3 * d + d + h * hd + i] as number);
          v = dot * scale;
        }
        probs[row + s] = v;
        if (v > max) max = v;
      }
      let sum = 0;
      for (let s = 0; s < T; s++) {
        const e = Math.exp((probs[row + s] as number) - max);
        probs[row + s] = e;
        sum += e;
      }
      for (let s = 0; s < T; s++) {
        const pr = (probs[row + s] as number) / sum;
        probs[row + s] = pr;
        if (pr === 0) continue;
        for (let i = 0; i < hd; i++) {
          const k = t * d + h * hd + i;
          ctx[k] = (ctx[k] as number) + pr * (qkv[s * 3 * d + 2 * d + h * hd + i] as number);
        }
      }
    }
  }
  const o = linear(ctx, T, d, d, p.wOut, p.bOut);
  const x1 = x.map((v, i) => v + (o[i] as number));
  const { y: c, cache: ln2 } = layerNorm(x1, T, d, p.ln2Gamma, p.ln2Beta);
  const u = linear(c, T, d, M, p.wUp, p.bUp);
  const r = u.map((v) => Math.max(v, 0));
  const m = linear(r, T, M, d, p.wDown, p.bDown);
  const out = x1.map((v, i) => v + (m[i] as number));
  return { out, cache: { x, ln1, a, qkv, probs, ctx, x1, ln2, c, u, r } };
}

function blockBackward(p: BlockParams, g: BlockParams, cfg: LmConfig, k: BlockCache, dOut: F, T: number): F {
  const { dModel: d, heads: H, mlp: M } = cfg;
  const hd = d / H;
  const scale = 1 / Math.sqrt(hd);
  // MLP branch
  const dr = linearBack(k.r, T, M, d, p.wDown, dOut, g.wDown, g.bDown);
  const du = dr.map((v, i) => ((k.u[i] as number) > 0 ? v : 0));
  const dc = linearBack(k.c, T, d, M, p.wUp, du, g.wUp, g.bUp);
  const dx1 = layerNormBack(dc, k.ln2, T, d, p.ln2Gamma, g.ln2Gamma, g.ln2Beta);
  for (let i = 0; i < dx1.length; i++) dx1[i] = (dx1[i] as number) + (dOut[i] as number);
  // Attention branch
  const dctx = linearBack(k.ctx, T, d, d, p.wOut, dx1, g.wOut, g.bOut);
  const dqkv = new Float64Array(T * 3 * d);
  const dP = new Float64Array(T);
  for (let h = 0; h < H; h++) {
    for (let t = 0; t < T; t++) {
      const row = (h * T + t) * T;
      let dot = 0;
      for (let s = 0; s <= t; s++) {
        let v = 0;
        for (let i = 0; i < hd; i++) {
          v += (dctx[t * d + h * hd + i] as number) * (k.qkv[s * 3 * d + 2 * d + h * hd + i] as number);
        }
        dP[s] = v;
        dot += (k.probs[row + s] as number) * v;
      }
      for (let s = 0; s <= t; s++) {
        const pr = k.probs[row + s] as number;
        // dv_s += P[t,s] dctx_t
        for (let i = 0; i < hd; i++) {
          const vi = s * 3 * d + 2 * d + h * hd + i;
          dqkv[vi] = (dqkv[vi] as number) + pr * (dctx[t * d + h * hd + i] as number);
        }
        const dS = pr * ((dP[s] as number) - dot) * scale;
        if (dS === 0) continue;
        for (let i = 0; i < hd; i++) {
          const qi = t * 3 * d + h * hd + i;
          const ki = s * 3 * d + d + h * hd + i;
          dqkv[qi] = (dqkv[qi] as number) + dS * (k.qkv[ki] as number);
          dqkv[ki] = (dqkv[ki] as number) + dS * (k.qkv[qi] as number);
        }
      }
    }
  }
  const da = linearBack(k.a, T, d, 3 * d, p.wQkv, dqkv, g.wQkv, g.bQkv);
  const dx = layerNormBack(da, k.ln1, T, d, p.ln1Gamma, g.ln1Gamma, g.ln1Beta);
  for (let i = 0; i < dx.length; i++) dx[i] = (dx[i] as number) + (dx1[i] as number);
  return dx;
}

/**
 * Mean cross-entropy (nats) of predicting `tokens[t+1]` from `tokens[..t]` over one window, and, when
 * `grads` is given, accumulates its gradient (scaled by `weight`) into it.
 */
export function lmLossAndGrad(p: LmParams, tokens: readonly number[], grads?: LmParams, weight = 1): number {
  const cfg = p.config;
  const { dModel: d, vocab: V } = cfg;
  const T = tokens.length - 1;
  const x0 = new Float64Array(T * d);
  for (let t = 0; t < T; t++) {
    const id = tokens[t] as number;
    for (let i = 0; i < d; i++) {
      x0[t * d + i] = (p.tokenEmbedding[id * d + i] as number) + (p.positionEmbedding[t * d + i] as number);
    }
  }
  const caches: BlockCache[] = [];
  let x: F = x0;
  for (const blk of p.blocks) {
    const { out, cache } = blockForward(blk, cfg, x, T);
    caches.push(cache);
    x = out;
  }
  const { y: f, cache: lnF } = layerNorm(x, T, d, p.lnFGamma, p.lnFBeta);
  const logits = linear(f, T, d, V, p.wHead, p.bHead);
  let loss = 0;
  const dLogits = new Float64Array(T * V);
  for (let t = 0; t < T; t++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < V; j++) max = Math.max(max, logits[t * V + j] as number);
    let sum = 0;
    for (let j = 0; j < V; j++) sum += Math.exp((logits[t * V + j] as number) - max);
    const target = tokens[t + 1] as number;
    loss += Math.log(sum) + max - (logits[t * V + target] as number);
    if (grads) {
      for (let j = 0; j < V; j++) {
        dLogits[t * V + j] =
          ((Math.exp((logits[t * V + j] as number) - max) / sum - (j === target ? 1 : 0)) * weight) / T;
      }
    }
  }
  if (!grads) return loss / T;
  const df = linearBack(f, T, d, V, p.wHead, dLogits, grads.wHead, grads.bHead);
  let dx: F = layerNormBack(df, lnF, T, d, p.lnFGamma, grads.lnFGamma, grads.lnFBeta);
  for (let l = p.blocks.length - 1; l >= 0; l--) {
    dx = blockBackward(
      p.blocks[l] as BlockParams,
      grads.blocks[l] as BlockParams,
      cfg,
      caches[l] as BlockCache,
      dx,
      T,
    );
  }
  for (let t = 0; t < T; t++) {
    const id = tokens[t] as number;
    for (let i = 0; i < d; i++) {
      const g = dx[t * d + i] as number;
      grads.tokenEmbedding[id * d + i] = (grads.tokenEmbedding[id * d + i] as number) + g;
      grads.positionEmbedding[t * d + i] = (grads.positionEmbedding[t * d + i] as number) + g;
    }
  }
  return loss / T;
}

export interface LmTraining {
  readonly seed: number;
  readonly epochs: number;
  /** Windows per optimiser step. */
  readonly batchSize: number;
  /** Start offsets of training windows are this far apart. */
  readonly stride: number;
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
}

export const DEFAULT_LM_TRAINING: LmTraining = {
  seed: 0x7a11,
  epochs: 10,
  batchSize: 8,
  stride: 12,
  learningRate: 6e-3,
  beta1: 0.9,
  beta2: 0.99,
};

export interface LmTrainReport {
  readonly windows: number;
  readonly steps: number;
  readonly lossBefore: number;
  readonly lossAfter: number;
}

function meanLoss(p: LmParams, windows: readonly number[][]): number {
  let total = 0;
  for (const w of windows) total += lmLossAndGrad(p, w);
  return total / windows.length;
}

/** Trains every weight with Adam on overlapping corpus windows; returns float32 weights. */
export function trainLm(
  init: LmWeights,
  corpus: Uint8Array,
  opts: LmTraining = DEFAULT_LM_TRAINING,
): { weights: LmWeights; report: LmTrainReport } {
  const C = init.config.context;
  const windows: number[][] = [];
  for (let start = 0; start + C + 1 <= corpus.length; start += opts.stride) {
    windows.push(Array.from(corpus.subarray(start, start + C + 1)));
  }
  const p = paramsOf(init);
  const list = paramList(p);
  const m = list.map((a) => new Float64Array(a.length));
  const v = list.map((a) => new Float64Array(a.length));
  const lossBefore = meanLoss(p, windows);
  const rng = createPrng(opts.seed);
  const order = windows.map((_, i) => i);
  let step = 0;
  const totalSteps = opts.epochs * Math.ceil(windows.length / opts.batchSize);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    rng.shuffle(order);
    for (let start = 0; start < order.length; start += opts.batchSize) {
      const batch = order.slice(start, start + opts.batchSize);
      const grads = zerosLike(p);
      for (const w of batch) lmLossAndGrad(p, windows[w] as number[], grads, 1 / batch.length);
      step++;
      // Linear warm-down keeps the last steps small; bias-corrected Adam.
      const lr = opts.learningRate * (1 - (step - 1) / totalSteps);
      const c1 = 1 - opts.beta1 ** step;
      const c2 = 1 - opts.beta2 ** step;
      paramList(grads).forEach((g, k) => {
        const param = list[k] as F;
        const mk = m[k] as F;
        const vk = v[k] as F;
        for (let i = 0; i < g.length; i++) {
          const gi = g[i] as number;
          mk[i] = opts.beta1 * (mk[i] as number) + (1 - opts.beta1) * gi;
          vk[i] = opts.beta2 * (vk[i] as number) + (1 - opts.beta2) * gi * gi;
          param[i] =
            (param[i] as number) -
            (lr * ((mk[i] as number) / c1)) / (Math.sqrt((vk[i] as number) / c2) + 1e-8);
        }
      });
    }
  }
  const weights = weightsOf(p);
  return {
    weights,
    report: {
      windows: windows.length,
      steps: step,
      lossBefore,
      lossAfter: meanLoss(paramsOf(weights), windows),
    },
  };
}
