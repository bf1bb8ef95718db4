// A one-head attention block (the transformer building block SPECTER benchmarks): deterministic
// weights, the bit-exact reference, and the circom generator (weights compiled in, inputs and
// outputs committed by one Poseidon hash of their bit-packing).
import {
  checkSigned,
  dense,
  FixedPointRangeError,
  floorShift,
  matmul,
  nbits,
  packedFieldCount,
  packFields,
  reciprocal,
  rescale,
  signedBitsFor,
  softermaxExp,
  softermaxVb,
} from "./fixed.ts";

export interface AttentionParams {
  /** Tokens. */
  readonly seq: number;
  /** Width; a power of 4 so that sqrt(d) is a power of two. */
  readonly dim: number;
  readonly scaleBits: number;
  /** Inputs are signed integers of this width at scale 2^scaleBits (11: reals in [-4, 4)). */
  readonly inputBits: number;
}

export interface AttentionWeights {
  readonly params: AttentionParams;
  /** `[out][in]` at scale 2^scaleBits. */
  readonly wq: readonly (readonly bigint[])[];
  readonly wk: readonly (readonly bigint[])[];
  readonly wv: readonly (readonly bigint[])[];
  readonly wo: readonly (readonly bigint[])[];
}

export const DEFAULT_ATTENTION: AttentionParams = { seq: 8, dim: 16, scaleBits: 8, inputBits: 11 };

/** Deterministic weights ~ U(-1, 1)/sqrt(dim) at scale 2^s from a fixed seed (xorshift32). */
export function attentionWeights(
  params: AttentionParams = DEFAULT_ATTENTION,
  seed = 0x5bec7e4,
): AttentionWeights {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
  const amplitude = 2 ** params.scaleBits / Math.sqrt(params.dim);
  const matrix = (): bigint[][] =>
    Array.from({ length: params.dim }, () =>
      Array.from({ length: params.dim }, () => BigInt(Math.round((next() * 2 - 1) * amplitude))),
    );
  return { params, wq: matrix(), wk: matrix(), wv: matrix(), wo: matrix() };
}

function headShift(dim: number): number {
  const shift = Math.log2(dim) / 2;
  if (!Number.isInteger(shift)) throw new RangeError(`attention dim ${dim} is not a power of 4`);
  return shift;
}

/**
 * The fixed-point recipe, chosen so that only products of two signals and range checks cost
 * constraints (weights are constants):
 *   Qr, Kr, Vr = x.Wq^T, x.Wk^T, x.Wv^T                    raw, scale 2^2s, linear in x: free
 *   score[i][j] = floor(Qr_i . Kr_j / 2^(3s + log2 sqrt d))  scale 2^s: d products + one Rescale
 *   e[i][.], total_i = SofterMaxExp(score[i])                (1 + z/8)^8 at scale 2^s
 *   inv_i = floor(2^K / total_i), K = 2s + 4                 one Reciprocal per row
 *   U[i][m] = sum_j e[i][j] (Vr_j . Wo_m)                    L products (Vr.Wo^T is linear: free)
 *   y[i][m] = inv_i U[i][m]                                  one product; scale 2^(K + 3s)
 * No rescale after the projections, the value matmul or the output projection, and no per-entry
 * softmax division: the head's output is committed raw (its bounds are static), and y / 2^(K + 3s) is
 * the real output (attentionOutputFixed rescales it to 2^s for a next layer).
 */
export interface AttentionAnalysis {
  /** Signed width of the rescaled scores (every score's Rescale, SofterMax comparisons). */
  readonly scoreBits: number;
  /** SofterMaxExp's vb. */
  readonly vb: number;
  readonly k: number;
  /** Signed width of the raw outputs y[.][m], per column m (their packing width). */
  readonly outBits: readonly number[];
  /** The score rescale's shift (3s + log2 sqrt d). */
  readonly scoreShift: number;
}

const abs = (v: bigint): bigint => (v < 0n ? -v : v);
const absMax = (a: bigint, b: bigint): bigint => {
  // bigints: Math.max does not apply.
  const [x, y] = [abs(a), abs(b)];
  if (x < y) return y;
  return x;
};

/** Interval bounds of every stage over all inputs in signed inputBits bits, from the integer weights. */
export function analyzeAttention(weights: AttentionWeights): AttentionAnalysis {
  const { dim, scaleBits: s, inputBits } = weights.params;
  const xLo = -(1n << BigInt(inputBits - 1));
  const xHi = (1n << BigInt(inputBits - 1)) - 1n;
  const rowBound = (row: readonly bigint[]): bigint =>
    row.reduce((acc, w) => acc + absMax(w * xLo, w * xHi), 0n);
  const q = weights.wq.map(rowBound);
  const k = weights.wk.map(rowBound);
  const v = weights.wv.map(rowBound);
  const scoreShift = 3 * s + headShift(dim);
  const rawScore = q.reduce((acc, qb, i) => acc + qb * (k[i] as bigint), 0n);
  const scoreBits = signedBitsFor(-rawScore >> BigInt(scoreShift), rawScore >> BigInt(scoreShift));
  const kk = 2 * s + 4;
  // |y[i][m]| <= inv_i * total_i * max_j |Vr_j . Wo_m| <= 2^K * sum_k |Wo[m][k]| |Vr[k]|max.
  const outBits = weights.wo.map((row) => {
    const c = row.reduce((acc, w, j) => acc + abs(w) * (v[j] as bigint), 0n);
    const bound = c << BigInt(kk);
    return signedBitsFor(-bound, bound);
  });
  return { scoreBits, vb: softermaxVb(s, scoreBits), k: kk, outBits, scoreShift };
}

export interface AttentionTrace {
  readonly scores: bigint[][];
  /** Unnormalised SofterMax exponentials per row (scale 2^s) and their row sums. */
  readonly e: bigint[][];
  readonly inv: bigint[];
  /** Raw outputs, scale 2^(K + 3s). */
  readonly y: bigint[][];
}

/** The exact integer attention block the circuit constrains. Throws FixedPointRangeError on bad input. */
export function attentionTrace(weights: AttentionWeights, x: readonly (readonly bigint[])[]): AttentionTrace {
  const { seq, dim, scaleBits: s, inputBits } = weights.params;
  if (x.length !== seq || x.some((row) => row.length !== dim))
    throw new FixedPointRangeError(`attention input must be ${seq}x${dim}`);
  x.forEach((row, l) => {
    row.forEach((v, j) => {
      checkSigned(v, inputBits, `input [${l}][${j}]`);
    });
  });
  const a = analyzeAttention(weights);
  const zero = Array.from({ length: dim }, () => 0n);
  const project = (w: readonly (readonly bigint[])[]): bigint[][] =>
    x.map((row) => dense({ w, b: zero }, row));
  const q = project(weights.wq);
  const k = project(weights.wk);
  const v = project(weights.wv);
  const kT = Array.from({ length: dim }, (_, j) => k.map((row) => row[j] as bigint));
  const scores = matmul(q, kT).map((row) => row.map((acc) => rescale(acc, a.scoreShift, a.scoreBits)));
  const exps = scores.map((row) => softermaxExp(row, s, a.scoreBits));
  const inv = exps.map(({ total }) => reciprocal(total, a.k, s + nbits(BigInt(seq))));
  // Vr . Wo^T: the value rows already through the output projection (linear, so free in the circuit).
  const vo = v.map((row) => dense({ w: weights.wo, b: zero }, row));
  const u = matmul(
    exps.map(({ e }) => e),
    vo,
  );
  const y = u.map((row, i) => row.map((acc) => acc * (inv[i] as bigint)));
  return { scores, e: exps.map(({ e }) => e), inv, y };
}

/** The block's raw outputs (scale 2^(K + 3s)): what the circuit commits. */
export function attentionForward(weights: AttentionWeights, x: readonly (readonly bigint[])[]): bigint[][] {
  return attentionTrace(weights, x).y;
}

/** Raw outputs rescaled to the activation scale 2^s (floor), as a next layer would take them. */
export function attentionOutputFixed(
  weights: AttentionWeights,
  y: readonly (readonly bigint[])[],
): bigint[][] {
  const a = analyzeAttention(weights);
  return y.map((row) => row.map((v) => floorShift(v, a.k + 2 * weights.params.scaleBits)));
}

/** The packing of the attention circuit's io: inputs (signed inputBits), then raw outputs (per column). */
export function attentionIoLayout(weights: AttentionWeights): { widths: number[]; offsets: bigint[] } {
  const { seq, dim, inputBits } = weights.params;
  const a = analyzeAttention(weights);
  const widths = [
    ...Array.from({ length: seq * dim }, () => inputBits),
    ...Array.from({ length: seq * dim }, (_, i) => a.outBits[i % dim] as number),
  ];
  return { widths, offsets: widths.map((w) => 1n << BigInt(w - 1)) };
}

/** Field elements hashed into the attention circuit's ioHash: packed inputs and raw outputs. */
export function attentionIoElements(
  weights: AttentionWeights,
  x: readonly (readonly bigint[])[],
  y: readonly (readonly bigint[])[],
): bigint[] {
  const { widths, offsets } = attentionIoLayout(weights);
  return packFields([...x.flat(), ...y.flat()], widths, offsets);
}

const matrixLiteral = (m: readonly (readonly bigint[])[]): string =>
  `[${m.map((r) => `[${r.join(", ")}]`).join(",\n        ")}]`;

/** circom source of the attention circuit; `libInclude` as in generateClassifierCircuit. */
export function generateAttentionCircuit(weights: AttentionWeights, libInclude: string): string {
  const { seq: L, dim: d, scaleBits: s, inputBits: bx } = weights.params;
  const a = analyzeAttention(weights);
  const n = L * d;
  const { widths, offsets } = attentionIoLayout(weights);
  const fields = packedFieldCount(widths);
  // The value and output projections fold into one constant matrix: (Wo Wv)[m][t] = sum_k Wo[m][k] Wv[k][t].
  const woWv = weights.wo.map((row) =>
    Array.from({ length: d }, (_, t) =>
      row.reduce((acc, w, k) => acc + w * ((weights.wv[k] as bigint[])[t] as bigint), 0n),
    ),
  );
  const fn = (name: string, m: readonly (readonly bigint[])[]): string =>
    `function ${name}() {\n    return ${matrixLiteral(m)};\n}\n`;
  return `pragma circom 2.1.0;
// Generated by @darwin/circuits generateAttentionCircuit: one attention head, seq ${L}, dim ${d},
// scale 2^${s}, inputs signed ${bx} bits, scores signed ${a.scoreBits} bits, raw outputs
// ${Math.min(...a.outBits)}-${Math.max(...a.outBits)} bits (see src/attention.ts for the recipe);
// weights compiled in; io committed. Do not edit: regenerate.
include "${libInclude}";

${fn("Wq", weights.wq)}
${fn("Wk", weights.wk)}
${fn("WoWv", woWv)}
function IoWidths() {
    return [${widths.join(", ")}];
}

function IoOffsets() {
    return [${offsets.join(", ")}];
}

template Attention() {
    signal input x[${L}][${d}];
    signal output ioHash;
    var wq[${d}][${d}] = Wq();
    var wk[${d}][${d}] = Wk();
    var wov[${d}][${d}] = WoWv();
    component xRange[${L}][${d}];
    for (var l = 0; l < ${L}; l++) {
        for (var j = 0; j < ${d}; j++) {
            xRange[l][j] = SignedRange(${bx});
            xRange[l][j].in <== x[l][j];
        }
    }
    // Raw scores: d products of two linear forms of x per pair, then one Rescale each.
    signal prod[${L}][${L}][${d}];
    component score[${L}][${L}];
    for (var i = 0; i < ${L}; i++) {
        for (var j = 0; j < ${L}; j++) {
            var sacc = 0;
            for (var k = 0; k < ${d}; k++) {
                var qi = 0;
                var kj = 0;
                for (var t = 0; t < ${d}; t++) {
                    qi += wq[k][t] * x[i][t];
                    kj += wk[k][t] * x[j][t];
                }
                prod[i][j][k] <== qi * kj;
                sacc += prod[i][j][k];
            }
            score[i][j] = Rescale(${a.scoreShift}, ${a.scoreBits});
            score[i][j].in <== sacc;
        }
    }
    component ex[${L}];
    component inv[${L}];
    signal wsum[${L}][${d}][${L}];
    signal y[${L}][${d}];
    for (var i = 0; i < ${L}; i++) {
        ex[i] = SofterMaxExp(${L}, ${s}, ${a.scoreBits}, ${a.vb});
        for (var j = 0; j < ${L}; j++) {
            ex[i].in[j] <== score[i][j].out;
        }
        inv[i] = Reciprocal(${a.k}, ${s + nbits(BigInt(L))});
        inv[i].in <== ex[i].total;
        for (var m = 0; m < ${d}; m++) {
            var yacc = 0;
            for (var j = 0; j < ${L}; j++) {
                // Vr_j . Wo_m = x_j . (Wo Wv)_m: linear in x.
                var vo = 0;
                for (var t = 0; t < ${d}; t++) {
                    vo += wov[m][t] * x[j][t];
                }
                wsum[i][m][j] <== ex[i].e[j] * vo;
                yacc += wsum[i][m][j];
            }
            y[i][m] <== inv[i].out * yacc;
        }
    }
    // Inputs are range-checked and the raw outputs statically bounded: the packing is injective.
    component pio = PackLimbs(${2 * n}, ${fields}, IoWidths(), IoOffsets());
    for (var l = 0; l < ${L}; l++) {
        for (var j = 0; j < ${d}; j++) {
            pio.in[l * ${d} + j] <== x[l][j];
            pio.in[${n} + l * ${d} + j] <== y[l][j];
        }
    }
    component h = PoseidonChain(${fields});
    h.in <== pio.out;
    ioHash <== h.out;
}

component main = Attention();
`;
}
