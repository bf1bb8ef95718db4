// Groth16 proving over ffjavascript's bn128 (the curve snarkjs runs on, shared with it), from a zkey
// parsed once per circuit. snarkjs's prover re-reads every zkey section per proof and builds the QAP
// evaluations (A·w, B·w at each constraint) in JavaScript, one wasm field call per coefficient:
// ~290 ms of a 1.6 s proof for the 32-inference classifier. Here the zkey's sections are copied out
// once (into shared memory, so tasks post them without a copy; each proof's own buffers too, reused
// from proof to proof: `ProofMemory`), the QAP runs as wasm
// (`qap_buildABC`) on the curve's worker threads, each polynomial's move to the odd coset is one
// task (`coset-wasm.ts`), and the five multi-exponentiations use signed windows with batch-affine
// buckets (`msm.ts`, `msm-wasm.ts`; the witness ones split by scalar width). The witness MSMs need
// nothing but the witness, so they start with the QAP at a lower priority (`task-scheduler.ts`) and
// fill the threads the path to H leaves idle. Blinding by fresh r and s. Proofs verify with snarkjs
// and the snarkjs-exported Solidity verifiers (tests run every committed circuit through both).
// It drives ffjavascript's thread manager and the bn128 wasm's exported functions (`qap_buildABC`,
// `qap_joinABC`, `frm_batchFromMontgomery`, and the ones this package adds through ffjavascript's
// plugin hook) directly, as snarkjs does; ffjavascript is pinned (0.3.1) and an upgrade that changes
// them fails the proving tests.
import { randomBytes } from "node:crypto";
import { buildBn128, type Curve, type Element } from "ffjavascript";
import { addOddCosetTransform, cosetShiftBytes, cosetTwiddleBytes } from "./coset-wasm.ts";
import { msm } from "./msm.ts";
import { addBatchAffineWindows } from "./msm-wasm.ts";
import { addQapBuild } from "./qap-wasm.ts";
import { Priority, type RunTask, schedulerOf } from "./task-scheduler.ts";

export class ZkeyFormatError extends Error {
  readonly code = "ZKEY_FORMAT" as const;
  constructor(message: string) {
    super(message);
    this.name = "ZkeyFormatError";
  }
}

/** A Groth16 proving key, sections copied out of the zkey file (each its own buffer). */
export interface ProvingKey {
  readonly nVars: number;
  readonly nPublic: number;
  readonly domainSize: number;
  readonly power: number;
  readonly alpha1: Element;
  readonly beta1: Element;
  readonly beta2: Element;
  readonly delta1: Element;
  readonly delta2: Element;
  readonly nCoefs: number;
  /**
   * (matrix u32, constraint u32, signal u32, coefficient) records, without the count, ordered by
   * constraint: each thread's share of the QAP is one contiguous run (`coefStarts`).
   */
  readonly coefs: Uint8Array;
  /** Index of the first record of each constraint; entry `domainSize` is nCoefs. */
  readonly coefStarts: Uint32Array;
  readonly pointsA: Uint8Array;
  readonly pointsB1: Uint8Array;
  readonly pointsB2: Uint8Array;
  readonly pointsC: Uint8Array;
  readonly pointsH: Uint8Array;
  /**
   * Per signal, whether its A (B1, B2, C) point is not the point at infinity (stored as zeros): a
   * signal that appears in no A polynomial contributes nothing to the A multi-exponentiation.
   */
  readonly inA: Uint8Array;
  readonly inB1: Uint8Array;
  readonly inB2: Uint8Array;
  readonly inC: Uint8Array;
}

/** snarkjs's proof object: coordinates as decimal strings. */
export interface SnarkjsProof {
  readonly pi_a: string[];
  readonly pi_b: string[][];
  readonly pi_c: string[];
  readonly protocol: "groth16";
  readonly curve: "bn128";
}

const N8 = 32;
/** The largest k with 2^k dividing r − 1 for bn128's scalar field (ffjavascript's `Fr.s`). */
const BN128_FR_TWO_ADICITY = 28;

function sections(bytes: Uint8Array, magic: string): Map<number, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 4)) !== magic)
    throw new ZkeyFormatError(`not a ${magic} file`);
  const count = view.getUint32(8, true);
  const out = new Map<number, Uint8Array>();
  let at = 12;
  for (let i = 0; i < count; i++) {
    if (at + 12 > bytes.length) throw new ZkeyFormatError(`${magic}: truncated section table`);
    const type = view.getUint32(at, true);
    const size = Number(view.getBigUint64(at + 4, true));
    at += 12;
    if (at + size > bytes.length) throw new ZkeyFormatError(`${magic}: section ${type} runs past the end`);
    out.set(type, bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

function section(all: Map<number, Uint8Array>, type: number, what: string): Uint8Array {
  const s = all.get(type);
  if (!s) throw new ZkeyFormatError(`zkey has no ${what} section (${type})`);
  return s;
}

/** Parses a Groth16 zkey (bn128) into its proving key, checking every size and index it relies on. */
export function parseZkey(zkey: Uint8Array): ProvingKey {
  const all = sections(zkey, "zkey");
  const header = section(all, 1, "header");
  if (header.length < 4 || new DataView(header.buffer, header.byteOffset, 4).getUint32(0, true) !== 1)
    throw new ZkeyFormatError("zkey is not a Groth16 key");
  const g = section(all, 2, "Groth16 header");
  // n8q, q, n8r, r, nVars, nPublic, domainSize, then alpha1, beta1, beta2, gamma2, delta1, delta2.
  const G1_BYTES = 2 * N8;
  const G2_BYTES = 4 * N8;
  const headerBytes = 4 + N8 + 4 + N8 + 12 + 3 * G1_BYTES + 3 * G2_BYTES;
  if (g.length !== headerBytes)
    throw new ZkeyFormatError(`Groth16 header: ${g.length} bytes, want ${headerBytes}`);
  const gv = new DataView(g.buffer, g.byteOffset, g.byteLength);
  if (gv.getUint32(0, true) !== N8 || gv.getUint32(4 + N8, true) !== N8)
    throw new ZkeyFormatError("zkey is not over bn128");
  let at = 4 + N8 + 4 + N8;
  const nVars = gv.getUint32(at, true);
  const nPublic = gv.getUint32(at + 4, true);
  const domainSize = gv.getUint32(at + 8, true);
  at += 12;
  // Points stay in ffjavascript's representation (affine, Montgomery, little-endian).
  const point = (size: number): Element => {
    const p = g.slice(at, at + size);
    at += size;
    return p;
  };
  const alpha1 = point(G1_BYTES);
  const beta1 = point(G1_BYTES);
  const beta2 = point(G2_BYTES);
  point(G2_BYTES); // gamma2: verification only
  const delta1 = point(G1_BYTES);
  const delta2 = point(G2_BYTES);
  const power = Math.log2(domainSize);
  if (!Number.isInteger(power)) throw new ZkeyFormatError(`domain size ${domainSize} is not a power of two`);
  // bn128's scalar field has 2^28-th roots of unity and no more (the odd coset of the largest
  // domain shifts by Fr.shift instead).
  if (power > BN128_FR_TWO_ADICITY)
    throw new ZkeyFormatError(`domain size 2^${power} is beyond bn128's roots of unity`);
  // The H points fix the domain's size in the file: checked before anything is sized by it.
  if (section(all, 9, "H points").length !== domainSize * G1_BYTES)
    throw new ZkeyFormatError(
      `H points: ${section(all, 9, "H points").length} bytes for ${domainSize} points`,
    );
  if (nPublic + 1 > nVars) throw new ZkeyFormatError(`${nPublic} public signals for ${nVars} signals`);
  const coefSection = section(all, 4, "coefficients");
  if (coefSection.length < 4) throw new ZkeyFormatError("coefficients section is empty");
  const cv = new DataView(coefSection.buffer, coefSection.byteOffset, coefSection.byteLength);
  const nCoefs = cv.getUint32(0, true);
  if (coefSection.length !== 4 + nCoefs * (12 + N8))
    throw new ZkeyFormatError(`coefficients section holds ${coefSection.length} bytes for ${nCoefs}`);
  // The QAP skips out-of-range records silently: a key with any would prove false statements'
  // worth of nothing (an invalid proof), so refuse it here instead.
  const coefStarts = new Uint32Array(domainSize + 1);
  for (let i = 0; i < nCoefs; i++) {
    const o = 4 + i * (12 + N8);
    const matrix = cv.getUint32(o, true);
    const constraint = cv.getUint32(o + 4, true);
    const signal = cv.getUint32(o + 8, true);
    if (matrix > 1 || constraint >= domainSize || signal >= nVars)
      throw new ZkeyFormatError(
        `coefficient ${i}: matrix ${matrix}, constraint ${constraint}, signal ${signal}`,
      );
    coefStarts[constraint + 1] = (coefStarts[constraint + 1] as number) + 1;
  }
  for (let k = 0; k < domainSize; k++)
    coefStarts[k + 1] = (coefStarts[k + 1] as number) + (coefStarts[k] as number);
  const coefs = sortedByConstraint(coefSection.subarray(4), nCoefs, coefStarts);
  const points = (type: number, what: string, count: number, size: number): Uint8Array => {
    const s = section(all, type, what);
    if (s.length !== count * size)
      throw new ZkeyFormatError(`${what}: ${s.length} bytes for ${count} points`);
    return sharedCopy(s);
  };
  const pointsA = points(5, "A points", nVars, G1_BYTES);
  const pointsB1 = points(6, "B1 points", nVars, G1_BYTES);
  const pointsB2 = points(7, "B2 points", nVars, G2_BYTES);
  const pointsC = points(8, "C points", nVars - nPublic - 1, G1_BYTES);
  return {
    nVars,
    nPublic,
    domainSize,
    power,
    alpha1,
    beta1,
    beta2,
    delta1,
    delta2,
    nCoefs,
    coefs,
    coefStarts,
    pointsA,
    pointsB1,
    pointsB2,
    pointsC,
    pointsH: points(9, "H points", domainSize, G1_BYTES),
    inA: nonZeroPoints(pointsA, G1_BYTES),
    inB1: nonZeroPoints(pointsB1, G1_BYTES),
    inB2: nonZeroPoints(pointsB2, G2_BYTES),
    inC: nonZeroPoints(pointsC, G1_BYTES),
  };
}

/**
 * The coefficient records in constraint order (a stable counting sort), in shared memory: a QAP
 * task then reads only its own constraints' records instead of scanning all of them.
 */
function sortedByConstraint(records: Uint8Array, nCoefs: number, starts: Uint32Array): Uint8Array {
  const size = 12 + N8;
  const out = new Uint8Array(new SharedArrayBuffer(records.length));
  const next = starts.slice(0, starts.length - 1);
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  for (let i = 0; i < nCoefs; i++) {
    const constraint = view.getUint32(i * size + 4, true);
    const to = next[constraint] as number;
    next[constraint] = to + 1;
    out.set(records.subarray(i * size, (i + 1) * size), to * size);
  }
  return out;
}

/** A copy in shared memory: the key's sections go to the curve's threads with every proof. */
function sharedCopy(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(new SharedArrayBuffer(bytes.length));
  out.set(bytes);
  return out;
}

/** 1 where the point (of `size` bytes) has a non-zero byte, 0 for the point at infinity. */
function nonZeroPoints(points: Uint8Array, size: number): Uint8Array {
  const n = points.length / size;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = i * size; k < (i + 1) * size; k++) {
      if (points[k] !== 0) {
        out[i] = 1;
        break;
      }
    }
  }
  return out;
}

/**
 * The witness values (32-byte little-endian field elements) of a circom `.wtns` file: a view into
 * `wtns`, not a copy (`groth16Prove` copies them into its shared per-proof memory anyway).
 */
export function wtnsValues(wtns: Uint8Array, nVars: number): Uint8Array {
  const all = sections(wtns, "wtns");
  const values = section(all, 2, "witness");
  if (values.length !== nVars * N8)
    throw new ZkeyFormatError(`witness has ${values.length / N8} values, the circuit ${nVars}`);
  return values;
}

/** Byte widths witness scalars are cut to by `msmByWidth`; the last is the full width. */
const WIDTHS = [1, 2, 4, 8, 16, 32] as const;
const FULL = WIDTHS.length - 1;

/**
 * Bytes after each width class's scalars: `darwin_signedDigits` reads a window as one i32, so the
 * threads get the scalars with this much of the buffer behind them instead of a padded copy.
 */
const SCALAR_SLACK = 4;

/** The witness points of one group (A, B1, B2 or C), gathered by width class for its MSMs. */
interface GroupMemory {
  readonly bases: Uint8Array;
  readonly bases32: Uint32Array;
  readonly scalars: Uint8Array;
  readonly negate: Uint8Array;
}

const sharedBytes = (n: number): Uint8Array => new Uint8Array(new SharedArrayBuffer(n));

function groupMemory(nonZero: Uint8Array, pointBytes: number): GroupMemory {
  let points = 0;
  for (let i = 0; i < nonZero.length; i++) points += nonZero[i] as number;
  const bases = sharedBytes(points * pointBytes);
  return {
    bases,
    bases32: new Uint32Array(bases.buffer),
    scalars: sharedBytes(points * N8 + WIDTHS.length * SCALAR_SLACK),
    negate: sharedBytes(points),
  };
}

/**
 * One proof's working memory. Whatever is posted to the curve's threads is in SharedArrayBuffers (a
 * post shares it where a plain buffer is cloned), and the memory is kept for the circuit's next
 * proof rather than allocated again: a 32-inference proof allocated ~20 MB per proof, and that
 * external-memory pressure made V8 mark the main thread's whole heap about once per proof. Held by
 * one proof at a time; a proof that fails drops it (its queued tasks may still read it).
 */
class ProofMemory {
  readonly witness: Uint8Array;
  readonly witness32: Uint32Array;
  /** Per value its WIDTHS index, -1 for zero. */
  readonly classes: Int8Array;
  /** r − v at the values entered negated (`negated`), 32 bytes each; unused elsewhere. */
  readonly flipped: Uint8Array;
  readonly negated: Uint8Array;
  /** The non-zero values' indices grouped by width class, class c from classStarts[c]. */
  readonly byClass: Int32Array;
  readonly classStarts: Int32Array;
  /** A, B, C at the constraints, then on the odd coset. */
  readonly abc: readonly [Uint8Array, Uint8Array, Uint8Array];
  /** The H points' scalars, with SCALAR_SLACK bytes behind them. */
  readonly h: Uint8Array;
  readonly a: GroupMemory;
  readonly b1: GroupMemory;
  readonly b2: GroupMemory;
  readonly c: GroupMemory;

  constructor(pk: ProvingKey) {
    const n = pk.nVars;
    const domain = pk.domainSize * N8;
    this.witness = sharedBytes(n * N8);
    this.witness32 = new Uint32Array(this.witness.buffer);
    this.classes = new Int8Array(n);
    this.flipped = new Uint8Array(n * N8);
    this.negated = new Uint8Array(n);
    this.byClass = new Int32Array(n);
    this.classStarts = new Int32Array(WIDTHS.length + 1);
    this.abc = [sharedBytes(domain), sharedBytes(domain), sharedBytes(domain)];
    this.h = sharedBytes(domain + SCALAR_SLACK);
    this.a = groupMemory(pk.inA, 2 * N8);
    this.b1 = groupMemory(pk.inB1, 2 * N8);
    this.b2 = groupMemory(pk.inB2, 4 * N8);
    this.c = groupMemory(pk.inC, 2 * N8);
  }
}

const idleMemory = new WeakMap<ProvingKey, ProofMemory[]>();
/** Idle memories kept per key: enough for two proofs of one circuit at once. */
const IDLE_KEPT = 2;

function takeMemory(pk: ProvingKey): ProofMemory {
  return idleMemory.get(pk)?.pop() ?? new ProofMemory(pk);
}

function giveBackMemory(pk: ProvingKey, memory: ProofMemory): void {
  let idle = idleMemory.get(pk);
  if (!idle) {
    idle = [];
    idleMemory.set(pk, idle);
  }
  if (idle.length < IDLE_KEPT) idle.push(memory);
}

/**
 * A, B and C = A·B at every constraint (Montgomery form), on the curve's threads, each over its own
 * range of constraints and only that range's coefficient records (`frm_darwinBuildABC`, which also
 * skips the records of zero witness values: a third of them for the 32-inference classifier), into
 * `memory.abc`.
 */
async function buildABC(curve: Curve, pk: ProvingKey, memory: ProofMemory, run: RunTask): Promise<void> {
  const n = pk.domainSize;
  const parts = Math.max(1, Math.min(curve.tm.concurrency, 8));
  const per = Math.ceil(n / parts);
  const record = 12 + N8;
  const tasks: Promise<void>[] = [];
  for (let from = 0; from < n; from += per) {
    const count = Math.min(per, n - from);
    const first = pk.coefStarts[from] as number;
    const last = pk.coefStarts[from + count] as number;
    tasks.push(
      run([
        { cmd: "ALLOCSET", var: 0, buff: pk.coefs.subarray(first * record, last * record) },
        { cmd: "ALLOCSET", var: 1, buff: memory.witness },
        { cmd: "ALLOC", var: 2, len: count * N8 },
        { cmd: "ALLOC", var: 3, len: count * N8 },
        { cmd: "ALLOC", var: 4, len: count * N8 },
        {
          cmd: "CALL",
          fnName: "frm_darwinBuildABC",
          params: [
            { var: 0 },
            { val: last - first },
            { var: 1 },
            { var: 2 },
            { var: 3 },
            { var: 4 },
            { val: from },
            { val: count },
            { val: pk.nVars },
          ],
        },
        { cmd: "GET", out: 0, var: 2, len: count * N8 },
        { cmd: "GET", out: 1, var: 3, len: count * N8 },
        { cmd: "GET", out: 2, var: 4, len: count * N8 },
      ]).then((r) => {
        for (let k = 0; k < 3; k++) memory.abc[k]?.set(r[k] as Uint8Array, from * N8);
      }),
    );
  }
  await Promise.all(tasks);
}

/** A·B − C on the odd coset (`memory.abc`), out of Montgomery form, into `memory.h`. */
async function joinABC(curve: Curve, memory: ProofMemory, run: RunTask): Promise<void> {
  const [a, b, c] = memory.abc;
  const n = a.length / N8;
  const parts = Math.max(1, Math.min(curve.tm.concurrency, 8));
  const per = Math.ceil(n / parts);
  const tasks: Promise<void>[] = [];
  for (let from = 0; from < n; from += per) {
    const count = Math.min(per, n - from);
    const slice = (x: Uint8Array) => x.subarray(from * N8, (from + count) * N8);
    tasks.push(
      run([
        { cmd: "ALLOCSET", var: 0, buff: slice(a) },
        { cmd: "ALLOCSET", var: 1, buff: slice(b) },
        { cmd: "ALLOCSET", var: 2, buff: slice(c) },
        { cmd: "ALLOC", var: 3, len: count * N8 },
        {
          cmd: "CALL",
          fnName: "qap_joinABC",
          params: [{ var: 0 }, { var: 1 }, { var: 2 }, { val: count }, { var: 3 }],
        },
        { cmd: "CALL", fnName: "frm_batchFromMontgomery", params: [{ var: 3 }, { val: count }, { var: 3 }] },
        { cmd: "GET", out: 0, var: 3, len: count * N8 },
      ]).then((r) => {
        memory.h.set(r[0] as Uint8Array, from * N8);
      }),
    );
  }
  await Promise.all(tasks);
}

/** The WIDTHS index a scalar of `top + 1` significant bytes needs. */
const widthClassOf = (top: number): number =>
  top < 1 ? 0 : top < 2 ? 1 : top < 4 ? 2 : top < 8 ? 3 : top < 16 ? 4 : 5;

/** The WIDTHS index each 32-byte little-endian scalar needs, -1 for zero. */
export function widthClasses(scalars: Uint8Array): Int8Array {
  const n = scalars.length / N8;
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    let top = N8 - 1;
    while (top >= 0 && scalars[i * N8 + top] === 0) top--;
    out[i] = top < 0 ? -1 : widthClassOf(top);
  }
  return out;
}

/** The bn128 scalar field's order r, little-endian bytes. */
const R_BYTES = (() => {
  let r = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
  const out = new Uint8Array(N8);
  for (let k = 0; k < N8; k++) {
    out[k] = Number(r & 0xffn);
    r >>= 8n;
  }
  return out;
})();

/** out[at..] = r − v[at..] for a little-endian field element 0 < v < r; returns the index of its top non-zero byte. */
function negateScalar(v: Uint8Array, at: number, out: Uint8Array): number {
  let borrow = 0;
  let top = -1;
  for (let k = 0; k < N8; k++) {
    let d = (R_BYTES[k] as number) - (v[at + k] as number) - borrow;
    borrow = d < 0 ? 1 : 0;
    if (d < 0) d += 256;
    out[at + k] = d;
    if (d !== 0) top = k;
  }
  return top;
}

/**
 * The witness as the witness multi-exponentiations take it, worked out once per proof into
 * `memory`: each value's width class and magnitude, where most full-width values are small negative
 * numbers (r − v for a small v) and enter as v times the negated point, and the non-zero values'
 * indices grouped by class. Values are read a 32-bit word at a time (the witness buffer is aligned).
 */
function signWitness(memory: ProofMemory): void {
  const { witness, witness32, classes, flipped, negated, byClass, classStarts } = memory;
  const n = classes.length;
  const counts = new Int32Array(WIDTHS.length);
  for (let i = 0; i < n; i++) {
    const base = i * 8;
    let w = 7;
    while (w >= 0 && witness32[base + w] === 0) w--;
    negated[i] = 0;
    if (w < 0) {
      classes[i] = -1;
      continue;
    }
    let c = widthClassOf(w * 4 + 3 - (Math.clz32(witness32[base + w] as number) >> 3));
    if (c === FULL) {
      const flippedClass = widthClassOf(negateScalar(witness, i * N8, flipped));
      if (flippedClass < FULL) {
        c = flippedClass;
        negated[i] = 1;
      }
    }
    classes[i] = c;
    counts[c] = (counts[c] as number) + 1;
  }
  classStarts[0] = 0;
  for (let c = 0; c < WIDTHS.length; c++)
    classStarts[c + 1] = (classStarts[c] as number) + (counts[c] as number);
  const next = classStarts.slice(0, WIDTHS.length);
  for (let i = 0; i < n; i++) {
    const c = classes[i] as number;
    if (c < 0) continue;
    byClass[next[c] as number] = i;
    next[c] = (next[c] as number) + 1;
  }
}

/**
 * Σ w_(first+i) · base_i with the scalars grouped by width. A multi-exponentiation does one window
 * pass per window of the scalar width it is handed, and a witness is mostly zeros, bits and small
 * integers: each width class gets its own MSM over scalars cut to that width, and zeros none, nor
 * signals whose point is at infinity. The sum is the same. The classes' points and scalars are
 * gathered into the group's shared memory, one after the other.
 */
async function msmByWidth(
  curve: Curve,
  groupName: "G1" | "G2",
  bases: Uint8Array,
  memory: ProofMemory,
  into: GroupMemory,
  first: number,
  pointBytes: number,
  nonZero: Uint8Array,
  run: RunTask,
): Promise<Element> {
  const group = groupName === "G1" ? curve.G1 : curve.G2;
  const n = nonZero.length;
  const { witness, flipped, negated, byClass, classStarts } = memory;
  const words = pointBytes / 4;
  const from32 = new Uint32Array(bases.buffer, bases.byteOffset, bases.byteLength / 4);
  const { bases32, scalars, negate } = into;
  const sums: Promise<Element>[] = [];
  let at = 0;
  let scalarAt = 0;
  for (let c = 0; c < WIDTHS.length; c++) {
    const width = WIDTHS[c] as number;
    const start = at;
    const scalarStart = scalarAt;
    const end = classStarts[c + 1] as number;
    for (let t = classStarts[c] as number; t < end; t++) {
      const j = byClass[t] as number;
      const i = j - first;
      if (i < 0 || i >= n || nonZero[i] === 0) continue;
      const to = at * words;
      const src = i * words;
      for (let k = 0; k < words; k++) bases32[to + k] = from32[src + k] as number;
      const magnitude = negated[j] === 1 ? flipped : witness;
      for (let k = 0; k < width; k++) scalars[scalarAt + k] = magnitude[j * N8 + k] as number;
      negate[at] = negated[j] as number;
      at++;
      scalarAt += width;
    }
    if (at > start)
      sums.push(
        msm(
          curve,
          groupName,
          into.bases.subarray(start * pointBytes, at * pointBytes),
          scalars.subarray(scalarStart, scalarAt),
          width,
          negate.subarray(start, at),
          run,
        ),
      );
    scalarAt += SCALAR_SLACK;
  }
  return (await Promise.all(sums)).reduce((acc, x) => group.add(acc, x), group.zero);
}

/** A domain's twiddles and coset-shift factors (`frm_darwinCosetTables`), in shared memory. */
interface CosetTables {
  readonly twiddles: Uint8Array;
  readonly shift: Uint8Array;
}

const cosetTables = new WeakMap<Curve, Map<number, Promise<CosetTables>>>();

/** The tables of the 2^power domain, built on one of the curve's threads at its first use. */
function cosetTablesOf(curve: Curve, power: number, run: RunTask): Promise<CosetTables> {
  const byPower = cosetTables.get(curve) ?? new Map<number, Promise<CosetTables>>();
  cosetTables.set(curve, byPower);
  let tables = byPower.get(power);
  if (!tables) {
    const { Fr } = curve;
    const n = 2 ** power;
    const inc = power === Fr.s ? Fr.shift : (Fr.w[power + 1] as Element);
    tables = run([
      { cmd: "ALLOCSET", var: 0, buff: Fr.w[power] as Element },
      { cmd: "ALLOCSET", var: 1, buff: inc },
      { cmd: "ALLOCSET", var: 2, buff: Fr.inv(Fr.e(n)) },
      { cmd: "ALLOC", var: 3, len: cosetTwiddleBytes(n) },
      { cmd: "ALLOC", var: 4, len: cosetShiftBytes(n) },
      {
        cmd: "CALL",
        fnName: "frm_darwinCosetTables",
        params: [{ val: n }, { var: 0 }, { var: 1 }, { var: 2 }, { var: 3 }, { var: 4 }],
      },
      { cmd: "GET", out: 0, var: 3, len: cosetTwiddleBytes(n) },
      { cmd: "GET", out: 1, var: 4, len: cosetShiftBytes(n) },
    ]).then(([twiddles, shift]) => ({
      twiddles: sharedCopy(twiddles as Uint8Array),
      shift: sharedCopy(shift as Uint8Array),
    }));
    const building = tables;
    // A failed build is not kept: the next proof tries again.
    building.catch(() => {
      if (byPower.get(power) === building) byPower.delete(power);
    });
    byPower.set(power, building);
  }
  return tables;
}

/**
 * Evaluations on the constraint domain -> evaluations on the odd coset (x -> inc·x), in place, as one task on
 * one of the curve's threads (`frm_darwinOddCoset`, coset-wasm.ts). Three independent polynomials
 * keep both threads busy without splitting a transform.
 */
async function toOddCoset(evaluations: Uint8Array, tables: CosetTables, run: RunTask): Promise<void> {
  const n = evaluations.length / N8;
  const [out] = await run([
    { cmd: "ALLOCSET", var: 0, buff: evaluations },
    { cmd: "ALLOCSET", var: 1, buff: tables.twiddles },
    { cmd: "ALLOCSET", var: 2, buff: tables.shift },
    {
      cmd: "CALL",
      fnName: "frm_darwinOddCoset",
      params: [{ var: 0 }, { val: n }, { var: 1 }, { var: 2 }],
    },
    { cmd: "GET", out: 0, var: 0, len: n * N8 },
  ]);
  evaluations.set(out as Uint8Array);
}

const decimal = (x: unknown): unknown => (Array.isArray(x) ? x.map(decimal) : String(x));

/** A blinding scalar: 64 random bytes reduced into Fr (negligible bias). */
function randomFr(curve: Curve): Element {
  return curve.Fr.e(BigInt(`0x${randomBytes(64).toString("hex")}`));
}

type CurveHolder = { curve_bn128?: (Curve & { darwinMsm?: true }) | null };

/** Curves this module replaced in ffjavascript's cache (built without the MSM functions); released with ours. */
const displaced: Curve[] = [];
let building: Promise<Curve> | undefined;

/**
 * The process's bn128 curve with the batch-affine MSM functions (`msm-wasm.ts`) in its wasm.
 * ffjavascript caches one curve per process in `globalThis.curve_bn128`, shared with snarkjs (which
 * verifies on it); if a curve without them is cached (snarkjs built it first), this one replaces
 * it in the cache and the other is terminated by `releaseBn128`.
 */
export async function provingCurve(): Promise<Curve> {
  const holder = globalThis as CurveHolder;
  const cached = holder.curve_bn128;
  if (cached?.darwinMsm) return cached;
  if (!building) {
    if (cached) {
      displaced.push(cached);
      holder.curve_bn128 = null;
    }
    building = buildBn128(false, (module) => {
      addBatchAffineWindows(module);
      addOddCosetTransform(module);
      addQapBuild(module);
    })
      .then((curve) => {
        (curve as Curve & { darwinMsm?: true }).darwinMsm = true;
        return curve;
      })
      .finally(() => {
        building = undefined;
      });
  }
  return building;
}

/**
 * Terminates the process's cached bn128 curve (ffjavascript keeps one in `globalThis.curve_bn128`,
 * shared with snarkjs) and any this module displaced, whose worker threads otherwise keep the
 * process alive; the next `provingCurve` or `buildBn128` builds a fresh one.
 */
export async function releaseBn128(): Promise<void> {
  const holder = globalThis as CurveHolder;
  const cached = holder.curve_bn128;
  holder.curve_bn128 = null;
  const others = displaced.splice(0);
  await Promise.all([cached?.terminate(), ...others.map((c) => c.terminate())]);
}

/**
 * A Groth16 proof of `witness` (32-byte little-endian values, `wtnsValues`) under `pk`, on the
 * process's bn128 curve (`provingCurve`). A proof in flight when the curve is released does not
 * finish.
 */
export async function groth16Prove(
  pk: ProvingKey,
  witness: Uint8Array,
): Promise<{ proof: SnarkjsProof; publicSignals: string[] }> {
  const curve = await provingCurve();
  const { Fr, G1, G2 } = curve;
  if (witness.length !== pk.nVars * N8)
    throw new ZkeyFormatError(`witness has ${witness.length / N8} values, the circuit ${pk.nVars}`);
  const scheduler = schedulerOf(curve);
  const path = scheduler.at(Priority.CriticalPath);
  const filler = scheduler.at(Priority.Filler);
  const memory = takeMemory(pk);
  memory.witness.set(witness);
  // Read with the copy the proof is made from: the caller's buffer may change while it is made.
  const publicSignals: string[] = [];
  for (let i = 1; i <= pk.nPublic; i++) {
    let v = 0n;
    for (let k = N8 - 1; k >= 0; k--) v = (v << 8n) | BigInt(witness[i * N8 + k] as number);
    publicSignals.push(v.toString());
  }
  // The QAP goes to the threads first; the witness multi-exponentiations, which need nothing else,
  // fill whatever the path to H leaves idle.
  const abc = buildABC(curve, pk, memory, path);
  const tables = cosetTablesOf(curve, pk.power, path);
  signWitness(memory);
  const witnessMsms = Promise.all([
    msmByWidth(curve, "G1", pk.pointsA, memory, memory.a, 0, 2 * N8, pk.inA, filler),
    msmByWidth(curve, "G1", pk.pointsB1, memory, memory.b1, 0, 2 * N8, pk.inB1, filler),
    msmByWidth(curve, "G2", pk.pointsB2, memory, memory.b2, 0, 4 * N8, pk.inB2, filler),
    msmByWidth(curve, "G1", pk.pointsC, memory, memory.c, pk.nPublic + 1, 2 * N8, pk.inC, filler),
  ]);
  const hMsm = (async () => {
    const [, t] = await Promise.all([abc, tables]);
    await Promise.all(memory.abc.map((p) => toOddCoset(p, t, path)));
    await joinABC(curve, memory, path);
    // h's scalars are uniformly random: one MSM.
    return msm(curve, "G1", pk.pointsH, memory.h.subarray(0, pk.domainSize * N8), N8, undefined, path);
  })();
  const [[msmA, msmB1, msmB2, msmC], msmH] = await Promise.all([witnessMsms, hMsm]);
  // Every task of this proof has finished reading its memory.
  giveBackMemory(pk, memory);
  const r = randomFr(curve);
  const s = randomFr(curve);
  // A = alpha + Σ a_i(τ) w_i + r·delta; B = beta + Σ b_i(τ) w_i + s·delta (in G2, and in G1 for C);
  // C = Σ_private (...) w_i + h(τ)t(τ)/delta + s·A + r·B1 − r·s·delta.
  const piA = G1.add(G1.add(msmA, pk.alpha1), G1.timesFr(pk.delta1, r));
  const piB = G2.add(G2.add(msmB2, pk.beta2), G2.timesFr(pk.delta2, s));
  const b1 = G1.add(G1.add(msmB1, pk.beta1), G1.timesFr(pk.delta1, s));
  let piC = G1.add(msmC, msmH);
  piC = G1.add(piC, G1.timesFr(piA, s));
  piC = G1.add(piC, G1.timesFr(b1, r));
  piC = G1.add(piC, G1.timesFr(pk.delta1, Fr.neg(Fr.mul(r, s))));
  return {
    proof: {
      pi_a: decimal(G1.toObject(G1.toAffine(piA))) as string[],
      pi_b: decimal(G2.toObject(G2.toAffine(piB))) as string[][],
      pi_c: decimal(G1.toObject(G1.toAffine(piC))) as string[],
      protocol: "groth16",
      curve: "bn128",
    },
    publicSignals,
  };
}
