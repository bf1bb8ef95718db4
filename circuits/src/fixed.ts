// Bit-exact TypeScript references of the components in lib/specter.circom. Every function computes
// what the circuit constrains, over integers (bigint), and throws the same out-of-range conditions
// the circuit's range checks reject, so a witness exists exactly when these functions return.

/** bn254 scalar field modulus (the circuits' field). */
export const FIELD_P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

export class FixedPointRangeError extends Error {
  readonly code = "FIXED_POINT_RANGE" as const;
  constructor(message: string) {
    super(message);
    this.name = "FixedPointRangeError";
  }
}

/** floor(a / 2^s) for any sign of a. */
export function floorShift(a: bigint, s: number): bigint {
  return a >> BigInt(s); // bigint >> is arithmetic, i.e. floor division by 2^s
}

/** Throws unless x is in signed b bits: [-2^(b-1), 2^(b-1)). */
export function checkSigned(x: bigint, b: number, what = "value"): bigint {
  const half = 1n << BigInt(b - 1);
  if (x < -half || x >= half) throw new FixedPointRangeError(`${what} ${x} outside signed ${b} bits`);
  return x;
}

/** Throws unless x is in unsigned b bits: [0, 2^b). */
export function checkUnsigned(x: bigint, b: number, what = "value"): bigint {
  if (x < 0n || x >= 1n << BigInt(b))
    throw new FixedPointRangeError(`${what} ${x} outside unsigned ${b} bits`);
  return x;
}

/** Rescale(s, b): floor(x / 2^s), which must fit signed b bits. */
export function rescale(x: bigint, s: number, b: number): bigint {
  return checkSigned(floorShift(x, s), b, "rescaled value");
}

export function rescaleRelu(x: bigint, s: number, b: number): bigint {
  const q = rescale(x, s, b);
  return q > 0n ? q : 0n;
}

export function relu(x: bigint, b: number): bigint {
  checkSigned(x, b, "relu input");
  return x > 0n ? x : 0n;
}

/** LeakyReLU(b, k): x if x >= 0, floor(x / 2^k) otherwise. */
export function leakyRelu(x: bigint, b: number, k: number): bigint {
  checkSigned(x, b, "leaky relu input");
  return x >= 0n ? x : floorShift(x, k);
}

/** Clamp(b, lo, hi). The circuit range-checks x - lo and hi - max(x, lo) in signed b+1 bits. */
export function clamp(x: bigint, b: number, lo: bigint, hi: bigint): bigint {
  checkSigned(x - lo, b + 1, "clamp input");
  const low = x > lo ? x : lo;
  checkSigned(hi - low, b + 1, "clamp input");
  return low < hi ? low : hi;
}

/** ArgMax(n, b): the first index of the maximum, and the maximum. */
export function argmax(values: readonly bigint[], b: number): { index: number; max: bigint } {
  if (values.length === 0) throw new FixedPointRangeError("argmax of nothing");
  let index = 0;
  let max = checkSigned(values[0] as bigint, b, "argmax input");
  for (let i = 1; i < values.length; i++) {
    const v = checkSigned(values[i] as bigint, b, "argmax input");
    if (v > max) {
      max = v;
      index = i;
    }
  }
  return { index, max };
}

/** Max(n, b): the maximum of values in signed b bits. */
export function maxOf(values: readonly bigint[], b: number): bigint {
  return argmax(values, b).max;
}

/** SquareRescale(s): floor(x^2 / 2^s) for x in [0, 2^s]. */
export function squareRescale(x: bigint, s: number): bigint {
  if (x < 0n || x > 1n << BigInt(s)) throw new FixedPointRangeError(`square input ${x} outside [0, 2^${s}]`);
  return (x * x) >> BigInt(s);
}

/** The signed width of floor((in - max) / 8) + 2^s in SofterMaxExp for inputs in signed b bits. */
export function softermaxVb(s: number, b: number): number {
  const lowest = floorShift((8n << BigInt(s)) - ((1n << BigInt(b)) - 1n), 3);
  return signedBitsFor(lowest < 0n ? lowest : 0n, 1n << BigInt(s));
}

/** SofterMaxExp(n, s, b, vb): (1 + z/8)^8 of z = x - max, clamped at z = -8, at scale 2^s; and the sum. */
export function softermaxExp(
  values: readonly bigint[],
  s: number,
  b: number,
): { e: bigint[]; total: bigint } {
  const max = maxOf(values, b);
  const vb = softermaxVb(s, b);
  const e = values.map((v) => {
    let cur = rescaleRelu(v - max + (8n << BigInt(s)), 3, vb);
    for (let k = 0; k < 3; k++) cur = squareRescale(cur, s);
    return cur;
  });
  return { e, total: e.reduce((a, x) => a + x, 0n) };
}

/**
 * Reciprocal(K, tb): floor(2^K / x). The circuit has no witness for x = 0; x < 2^tb is its caller's
 * guarantee (SofterMax's totals are bounded by construction), which this reference checks too.
 */
export function reciprocal(x: bigint, k: number, tb: number): bigint {
  if (x < 1n || x >= 1n << BigInt(tb))
    throw new FixedPointRangeError(`reciprocal input ${x} outside [1, 2^${tb})`);
  return (1n << BigInt(k)) / x;
}

/** SofterMax(n, s, b, vb): see lib/specter.circom. Inputs and outputs at scale 2^s. */
export function softermax(values: readonly bigint[], s: number, b: number): bigint[] {
  const k = 2 * s + 4;
  const { e, total } = softermaxExp(values, s, b);
  const inv = reciprocal(total, k, s + nbits(BigInt(values.length)));
  return e.map((x) => (x * inv) >> BigInt(k - s));
}

export interface DenseLayer {
  /** `[out][in]`. */
  readonly w: readonly (readonly bigint[])[];
  readonly b: readonly bigint[];
}

/** DenseConst / DensePrivate: W.x + B, un-rescaled. */
export function dense(layer: DenseLayer, x: readonly bigint[]): bigint[] {
  return layer.w.map((row, j) => row.reduce((acc, w, i) => acc + w * (x[i] as bigint), layer.b[j] as bigint));
}

export function matmul(a: readonly (readonly bigint[])[], b: readonly (readonly bigint[])[]): bigint[][] {
  const p = b[0]?.length ?? 0;
  return a.map((row) =>
    Array.from({ length: p }, (_, j) =>
      row.reduce((acc, v, k) => acc + v * ((b[k] as bigint[])[j] as bigint), 0n),
    ),
  );
}

/** PackSigned(n, b): values in signed b bits, offset by 2^(b-1), b bits each (packFields' layout). */
export function packSigned(values: readonly bigint[], b: number): bigint[] {
  const half = 1n << BigInt(b - 1);
  values.forEach((v) => {
    checkSigned(v, b, "packed value");
  });
  return packFields(
    values,
    values.map(() => b),
    values.map(() => half),
  );
}

/** A bigint as the field element the circuit carries (negatives wrap to p - |x|). */
export function toField(x: bigint): bigint {
  const r = x % FIELD_P;
  return r < 0n ? r + FIELD_P : r;
}

/** A field element read back as a signed integer (elements above p/2 are negative). */
export function fromField(x: bigint): bigint {
  return x > FIELD_P / 2n ? x - FIELD_P : x;
}

/** Bits needed to write n >= 0 in binary (circomlib's nbits). */
export function nbits(n: bigint): number {
  let r = 0;
  while (1n << BigInt(r) <= n) r++;
  return r;
}

/** Smallest b such that every integer in [lo, hi] fits signed b bits. */
export function signedBitsFor(lo: bigint, hi: bigint): number {
  let b = 1;
  while (lo < -(1n << BigInt(b - 1)) || hi >= 1n << BigInt(b - 1)) b++;
  return b;
}

/** Bits per packed field element (well below the 254-bit field, so a packing never wraps). */
export const PACK_BITS = 248;

/** Throws unless x is in [0, max]. */
export function checkUpTo(x: bigint, max: bigint, what = "value"): bigint {
  if (x < 0n || x > max) throw new FixedPointRangeError(`${what} ${x} outside [0, ${max}]`);
  return x;
}

/** How many field elements PackLimbs(widths) fills: a value that would cross bit 248 starts the next. */
export function packedFieldCount(widths: readonly number[]): number {
  let count = widths.length > 0 ? 1 : 0;
  let pos = 0;
  for (const w of widths) {
    if (w > PACK_BITS) throw new FixedPointRangeError(`a ${w}-bit limb does not fit a field element`);
    if (pos + w > PACK_BITS) {
      count++;
      pos = 0;
    }
    pos += w;
  }
  return count;
}

/**
 * PackLimbs(n, nOut, widths, offsets): value i plus offsets[i] must lie in [0, 2^widths[i]) (checked
 * here; the circuit guarantees it by range checks or static bounds), packed little-endian.
 */
export function packFields(
  values: readonly bigint[],
  widths: readonly number[],
  offsets: readonly bigint[],
): bigint[] {
  if (values.length !== widths.length || values.length !== offsets.length)
    throw new FixedPointRangeError(`${values.length} values for ${widths.length} limb widths`);
  const out: bigint[] = [];
  let acc = 0n;
  let pos = 0;
  values.forEach((v, i) => {
    const w = widths[i] as number;
    const limb = v + (offsets[i] as bigint);
    if (limb < 0n || limb >= 1n << BigInt(w))
      throw new FixedPointRangeError(`packed value ${v} (limb ${i}) outside its ${w}-bit slot`);
    if (pos + w > PACK_BITS) {
      out.push(acc);
      acc = 0n;
      pos = 0;
    }
    acc += limb << BigInt(pos);
    pos += w;
  });
  if (values.length > 0) out.push(acc);
  return out;
}
