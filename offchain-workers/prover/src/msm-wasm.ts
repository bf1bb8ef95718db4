// Batch-affine bucket accumulation for multi-exponentiations, as wasm functions added to
// ffjavascript's bn128 module (its `buildBn128` plugin hook), so they run on the curve's own worker
// threads next to the field arithmetic they call.
//
// ffjavascript's multi-exponentiation adds each point into a Jacobian bucket (a mixed addition:
// 7 multiplications and 4 squarings) with unsigned windows. Here the buckets stay affine and the
// additions of a batch share one field inversion (Montgomery's trick: 3 multiplications per
// element), so an addition costs ~5 multiplications and a squaring; digits are signed, so a window
// of c bits needs 2^(c-1) buckets and the bucket reduction halves. A point whose bucket already has
// an addition in the batch (an affine addition needs the bucket's current value) waits in a list
// of up to batchSize points that is tried again after the next flush; with the list full, and for
// what is left of it at the end of the window, it goes to that bucket's Jacobian overflow instead,
// as a mixed addition (~twice an affine addition). With spread digits about an eighth of the
// points hit a busy bucket (a batch fills a quarter of the buckets), so waiting saves ~9% of a
// full-width window; digits piled on a few buckets (a witness of bits) fill the list at once and
// overflow as before, no worse than ffjavascript. (Retrying only until the list empties, with no
// overflow, made batches of one with one inversion each on those witnesses.) Equal x coordinates
// (a doubling, or a point meeting its negation) are handled on the spot, outside the batch.
//
// `<group>_darwinWindow(pBases, pDigits, n, pScratch, nBuckets, batchSize, pResult)`:
//   pBases   n affine points (x, y), Montgomery form, as in a zkey
//   pDigits  n signed i32 digits in [-nBuckets, nBuckets]; point i goes to bucket |d|-1, negated if d < 0
//   pScratch `windowScratchBytes(...)` bytes
//   pResult  Σ_k (k+1)·(bucket_k + overflow_k), Jacobian
import type { CodeBuilder, ModuleBuilder } from "wasmbuilder";
import { codeShorthands } from "./wasm-code.ts";

/** Field-element bytes of each group's coordinates: Fq for G1, Fq2 for G2. */
export const FIELD_BYTES = { g1m: 32, g2m: 64 } as const;
export type GroupPrefix = keyof typeof FIELD_BYTES;

/** Bytes of scratch memory `<group>_darwinWindow` needs. */
export function windowScratchBytes(group: GroupPrefix, nBuckets: number, batchSize: number): number {
  const n8 = FIELD_BYTES[group];
  return nBuckets * (5 * n8 + 8) + batchSize * (2 * n8 + 12 + 2 * 8);
}

/**
 * Adds `g1m_darwinWindow`, `g2m_darwinWindow` and `darwin_signedDigits` to a module that already
 * holds bn128's functions.
 */
export function addBatchAffineWindows(module: ModuleBuilder): void {
  buildWindow(module, "g1m", "f1m");
  buildWindow(module, "g2m", "f2m");
  buildSignedDigits(module);
}

/**
 * `darwin_signedDigits(pScalars, width, n, c, from, to, pNegate, pOut)`: the signed c-bit digits of
 * windows [from, to) of n little-endian scalars of `width` bytes, window-major into pOut (i32 each),
 * negated where the byte at pNegate + i is 1. A window value above 2^(c−1) becomes value − 2^c and
 * carries one into the next window, so every window below `to` is walked for its carry. The scalar
 * area must be followed by at least 3 readable bytes (a window is read as one unaligned i32).
 */
function buildSignedDigits(module: ModuleBuilder): void {
  const fn = module.addFunction("darwin_signedDigits");
  for (const p of ["pScalars", "width", "n", "c", "from", "to", "pNegate", "pOut"]) fn.addParam(p, "i32");
  for (const l of ["i", "w", "bit", "left", "v", "carry", "half", "full", "mask", "scalar", "sign"])
    fn.addLocal(l, "i32");
  const c = fn.getCodeBuilder();
  const { get, set, k32: k, loopWhile } = codeShorthands(c);
  fn.addCode(
    set("half", c.i32_shl(k(1), c.i32_sub(get("c"), k(1)))),
    set("full", c.i32_shl(k(1), get("c"))),
    set("i", k(0)),
    loopWhile(c.i32_lt_u(get("i"), get("n")), [
      set("scalar", c.i32_add(get("pScalars"), c.i32_mul(get("i"), get("width")))),
      // sign = −1 for a negated scalar, else 1.
      set("sign", c.i32_sub(k(1), c.i32_shl(c.i32_load8_u(c.i32_add(get("pNegate"), get("i"))), k(1)))),
      set("carry", k(0)),
      set("w", k(0)),
      loopWhile(c.i32_lt_u(get("w"), get("to")), [
        set("bit", c.i32_mul(get("w"), get("c"))),
        set("left", c.i32_sub(c.i32_shl(get("width"), k(3)), get("bit"))),
        set("v", k(0)),
        c.if(c.i32_gt_s(get("left"), k(0)), [
          // Only the scalar's own bits: fewer than c may be left.
          ...set("mask", get("c")),
          ...c.if(c.i32_lt_s(get("left"), get("c")), set("mask", get("left"))),
          ...set("mask", c.i32_sub(c.i32_shl(k(1), get("mask")), k(1))),
          ...set(
            "v",
            c.i32_and(
              c.i32_shr_u(
                c.i32_load(c.i32_add(get("scalar"), c.i32_shr_u(get("bit"), k(3))), 0, 0),
                c.i32_and(get("bit"), k(7)),
              ),
              get("mask"),
            ),
          ),
        ]),
        set("v", c.i32_add(get("v"), get("carry"))),
        set("carry", c.i32_gt_s(get("v"), get("half"))),
        c.if(get("carry"), set("v", c.i32_sub(get("v"), get("full")))),
        c.if(
          c.i32_ge_u(get("w"), get("from")),
          c.i32_store(
            c.i32_add(
              get("pOut"),
              c.i32_shl(c.i32_add(c.i32_mul(c.i32_sub(get("w"), get("from")), get("n")), get("i")), k(2)),
            ),
            c.i32_mul(get("v"), get("sign")),
          ),
        ),
        set("w", c.i32_add(get("w"), k(1))),
      ]),
      set("i", c.i32_add(get("i"), k(1))),
    ]),
  );
  module.exportFunction("darwin_signedDigits");
}

function buildWindow(module: ModuleBuilder, g: GroupPrefix, f: "f1m" | "f2m"): void {
  const n8 = FIELD_BYTES[g];
  const pointBytes = 2 * n8;
  // The window's state, in static memory (one instance per thread, one window at a time).
  const ctx = module.alloc(64);
  const slot = {
    buckets: ctx,
    state: ctx + 4,
    stamp: ctx + 8,
    denoms: ctx + 12,
    prefixes: ctx + 16,
    entries: ctx + 20,
    batchSize: ctx + 24,
    count: ctx + 28,
    currentStamp: ctx + 32,
    overflow: ctx + 36,
    // Points that found their bucket busy: (base, digit) pairs, their count, and a copy to retry from.
    waiting: ctx + 40,
    waitingCount: ctx + 44,
    retrying: ctx + 48,
  };
  const inv = module.alloc(n8);
  const invJ = module.alloc(n8);
  const t = module.alloc(n8);
  const lambda = module.alloc(n8);
  const x3 = module.alloc(n8);
  const jac = module.alloc(3 * n8);
  const negated = module.alloc(2 * n8);
  const sum = module.alloc(3 * n8);
  const total = module.alloc(3 * n8);

  const load = (c: CodeBuilder, at: number) => c.i32_load(c.i32_const(at));
  const store = (c: CodeBuilder, at: number, value: number[]) => c.i32_store(c.i32_const(at), value);

  // Inverts every pending denominator at once and applies the batch's additions to their buckets.
  {
    const fn = module.addFunction(`${g}_darwinFlush`);
    fn.addLocal("j", "i32");
    fn.addLocal("entry", "i32");
    fn.addLocal("base", "i32");
    fn.addLocal("bucket", "i32");
    const c = fn.getCodeBuilder();
    const prefixAt = (j: number[]) => c.i32_add(load(c, slot.prefixes), c.i32_mul(j, c.i32_const(n8)));
    const denomAt = (j: number[]) => c.i32_add(load(c, slot.denoms), c.i32_mul(j, c.i32_const(n8)));
    const xB = c.getLocal("bucket");
    const yB = c.i32_add(c.getLocal("bucket"), c.i32_const(n8));
    const xP = c.getLocal("base");
    const yP = c.i32_add(c.getLocal("base"), c.i32_const(n8));
    fn.addCode(
      c.if(c.i32_eqz(load(c, slot.count)), c.ret([])),
      c.setLocal("j", c.i32_sub(load(c, slot.count), c.i32_const(1))),
      c.call(`${f}_inverse`, prefixAt(c.getLocal("j")), c.i32_const(inv)),
      c.block(
        c.loop(
          // invJ = 1 / denom_j = inv · prefix_{j-1}; then inv = 1 / prefix_{j-1}.
          c.if(c.i32_eqz(c.getLocal("j")), c.call(`${f}_copy`, c.i32_const(inv), c.i32_const(invJ)), [
            ...c.call(
              `${f}_mul`,
              c.i32_const(inv),
              prefixAt(c.i32_sub(c.getLocal("j"), c.i32_const(1))),
              c.i32_const(invJ),
            ),
            ...c.call(`${f}_mul`, c.i32_const(inv), denomAt(c.getLocal("j")), c.i32_const(inv)),
          ]),
          c.setLocal("entry", c.i32_add(load(c, slot.entries), c.i32_mul(c.getLocal("j"), c.i32_const(12)))),
          c.setLocal("base", c.i32_load(c.getLocal("entry"))),
          c.setLocal("bucket", c.i32_load(c.getLocal("entry"), 4)),
          // t = y_P' − y_B, with y_P' = −y_P for a negative digit.
          c.if(
            c.i32_load(c.getLocal("entry"), 8),
            [
              ...c.call(`${f}_add`, yP, yB, c.i32_const(t)),
              ...c.call(`${f}_neg`, c.i32_const(t), c.i32_const(t)),
            ],
            c.call(`${f}_sub`, yP, yB, c.i32_const(t)),
          ),
          c.call(`${f}_mul`, c.i32_const(t), c.i32_const(invJ), c.i32_const(lambda)),
          // x3 = λ² − x_B − x_P; y3 = λ(x_B − x3) − y_B
          c.call(`${f}_square`, c.i32_const(lambda), c.i32_const(x3)),
          c.call(`${f}_sub`, c.i32_const(x3), xB, c.i32_const(x3)),
          c.call(`${f}_sub`, c.i32_const(x3), xP, c.i32_const(x3)),
          c.call(`${f}_sub`, xB, c.i32_const(x3), c.i32_const(t)),
          c.call(`${f}_mul`, c.i32_const(lambda), c.i32_const(t), c.i32_const(t)),
          c.call(`${f}_sub`, c.i32_const(t), yB, yB),
          c.call(`${f}_copy`, c.i32_const(x3), xB),
          c.br_if(1, c.i32_eqz(c.getLocal("j"))),
          c.setLocal("j", c.i32_sub(c.getLocal("j"), c.i32_const(1))),
          c.br(0),
        ),
      ),
      store(c, slot.count, c.i32_const(0)),
      store(c, slot.currentStamp, c.i32_add(load(c, slot.currentStamp), c.i32_const(1))),
    );
  }

  // Adds ±base into bucket |digit|−1's Jacobian overflow (a mixed addition).
  {
    const fn = module.addFunction(`${g}_darwinOverflow`);
    fn.addParam("base", "i32");
    fn.addParam("digit", "i32");
    fn.addLocal("k", "i32");
    fn.addLocal("at", "i32");
    const c = fn.getCodeBuilder();
    const sign = c.i32_shr_s(c.getLocal("digit"), c.i32_const(31));
    fn.addCode(
      c.setLocal("k", c.i32_sub(c.i32_sub(c.i32_xor(c.getLocal("digit"), sign), sign), c.i32_const(1))),
      c.setLocal("at", c.i32_add(load(c, slot.overflow), c.i32_mul(c.getLocal("k"), c.i32_const(3 * n8)))),
      c.if(
        c.i32_lt_s(c.getLocal("digit"), c.i32_const(0)),
        [
          ...c.call(`${f}_copy`, c.getLocal("base"), c.i32_const(negated)),
          ...c.call(`${f}_neg`, c.i32_add(c.getLocal("base"), c.i32_const(n8)), c.i32_const(negated + n8)),
          ...c.call(`${g}_addMixed`, c.getLocal("at"), c.i32_const(negated), c.getLocal("at")),
        ],
        c.call(`${g}_addMixed`, c.getLocal("at"), c.getLocal("base"), c.getLocal("at")),
      ),
    );
  }

  // Adds ±base into bucket |digit|−1: at once if the bucket is empty or the x coordinates match,
  // else into the batch, or into the bucket's overflow if the bucket already has an addition in it.
  {
    const fn = module.addFunction(`${g}_darwinAdd`);
    fn.addParam("base", "i32");
    fn.addParam("digit", "i32");
    fn.addLocal("k", "i32");
    fn.addLocal("negative", "i32");
    fn.addLocal("bucket", "i32");
    fn.addLocal("m", "i32");
    fn.addLocal("denom", "i32");
    fn.addLocal("at", "i32");
    const c = fn.getCodeBuilder();
    const stateOf = c.i32_add(load(c, slot.state), c.i32_shl(c.getLocal("k"), c.i32_const(2)));
    const stampOf = c.i32_add(load(c, slot.stamp), c.i32_shl(c.getLocal("k"), c.i32_const(2)));
    const yB = c.i32_add(c.getLocal("bucket"), c.i32_const(n8));
    const yP = c.i32_add(c.getLocal("base"), c.i32_const(n8));
    fn.addCode(
      c.if(c.call(`${g}_isZeroAffine`, c.getLocal("base")), c.ret([])),
      c.setLocal("negative", c.i32_lt_s(c.getLocal("digit"), c.i32_const(0))),
      // |digit| − 1 as (d xor s) − s − 1 with s = d >> 31.
      c.setLocal(
        "k",
        c.i32_sub(
          c.i32_sub(
            c.i32_xor(c.getLocal("digit"), c.i32_shr_s(c.getLocal("digit"), c.i32_const(31))),
            c.i32_shr_s(c.getLocal("digit"), c.i32_const(31)),
          ),
          c.i32_const(1),
        ),
      ),
      c.setLocal(
        "bucket",
        c.i32_add(load(c, slot.buckets), c.i32_mul(c.getLocal("k"), c.i32_const(pointBytes))),
      ),
      // Empty bucket: it becomes ±base.
      c.if(c.i32_eqz(c.i32_load(stateOf)), [
        ...c.call(`${g}_copyAffine`, c.getLocal("base"), c.getLocal("bucket")),
        ...c.if(c.getLocal("negative"), c.call(`${f}_neg`, yB, yB)),
        ...c.i32_store(stateOf, c.i32_const(1)),
        ...c.ret([]),
      ]),
      // The bucket already has an addition in this batch: the point waits for the next batch, or
      // with the waiting list full goes to the bucket's Jacobian overflow.
      c.if(c.i32_eq(c.i32_load(stampOf), load(c, slot.currentStamp)), [
        ...c.if(
          c.i32_lt_u(load(c, slot.waitingCount), load(c, slot.batchSize)),
          [
            ...c.setLocal(
              "at",
              c.i32_add(load(c, slot.waiting), c.i32_shl(load(c, slot.waitingCount), c.i32_const(3))),
            ),
            ...c.i32_store(c.getLocal("at"), c.getLocal("base")),
            ...c.i32_store(c.getLocal("at"), 4, c.getLocal("digit")),
            ...store(c, slot.waitingCount, c.i32_add(load(c, slot.waitingCount), c.i32_const(1))),
          ],
          c.call(`${g}_darwinOverflow`, c.getLocal("base"), c.getLocal("digit")),
        ),
        ...c.ret([]),
      ]),
      c.setLocal("m", load(c, slot.count)),
      c.setLocal("denom", c.i32_add(load(c, slot.denoms), c.i32_mul(c.getLocal("m"), c.i32_const(n8)))),
      c.call(`${f}_sub`, c.getLocal("base"), c.getLocal("bucket"), c.getLocal("denom")),
      c.if(c.call(`${f}_isZero`, c.getLocal("denom")), [
        // Same x: ±base is the bucket (double it) or its negation (the bucket empties).
        ...c.call(`${f}_copy`, yP, c.i32_const(t)),
        ...c.if(c.getLocal("negative"), c.call(`${f}_neg`, c.i32_const(t), c.i32_const(t))),
        ...c.if(
          c.call(`${f}_eq`, c.i32_const(t), yB),
          [
            ...c.call(`${g}_doubleAffine`, c.getLocal("bucket"), c.i32_const(jac)),
            ...c.call(`${g}_toAffine`, c.i32_const(jac), c.getLocal("bucket")),
          ],
          c.i32_store(stateOf, c.i32_const(0)),
        ),
        ...c.ret([]),
      ]),
      c.i32_store(stampOf, load(c, slot.currentStamp)),
      c.if(
        c.i32_eqz(c.getLocal("m")),
        c.call(
          `${f}_copy`,
          c.getLocal("denom"),
          c.i32_add(load(c, slot.prefixes), c.i32_mul(c.getLocal("m"), c.i32_const(n8))),
        ),
        c.call(
          `${f}_mul`,
          c.i32_add(
            load(c, slot.prefixes),
            c.i32_mul(c.i32_sub(c.getLocal("m"), c.i32_const(1)), c.i32_const(n8)),
          ),
          c.getLocal("denom"),
          c.i32_add(load(c, slot.prefixes), c.i32_mul(c.getLocal("m"), c.i32_const(n8))),
        ),
      ),
      c.setLocal("at", c.i32_add(load(c, slot.entries), c.i32_mul(c.getLocal("m"), c.i32_const(12)))),
      c.i32_store(c.getLocal("at"), c.getLocal("base")),
      c.i32_store(c.getLocal("at"), 4, c.getLocal("bucket")),
      c.i32_store(c.getLocal("at"), 8, c.getLocal("negative")),
      store(c, slot.count, c.i32_add(c.getLocal("m"), c.i32_const(1))),
    );
  }

  // Tries every waiting point once more (every bucket is free again after a flush); a batch that
  // fills meanwhile is flushed, and points that find their bucket busy again wait for the next one.
  {
    const fn = module.addFunction(`${g}_darwinRetry`);
    fn.addLocal("m", "i32");
    fn.addLocal("j", "i32");
    fn.addLocal("at", "i32");
    const c = fn.getCodeBuilder();
    fn.addCode(
      c.setLocal("m", load(c, slot.waitingCount)),
      c.setLocal("j", c.i32_const(0)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_ge_u(c.getLocal("j"), c.getLocal("m"))),
          c.setLocal("at", c.i32_shl(c.getLocal("j"), c.i32_const(3))),
          c.i32_store(
            c.i32_add(load(c, slot.retrying), c.getLocal("at")),
            c.i32_load(c.i32_add(load(c, slot.waiting), c.getLocal("at"))),
          ),
          c.i32_store(
            c.i32_add(load(c, slot.retrying), c.getLocal("at")),
            4,
            c.i32_load(c.i32_add(load(c, slot.waiting), c.getLocal("at")), 4),
          ),
          c.setLocal("j", c.i32_add(c.getLocal("j"), c.i32_const(1))),
          c.br(0),
        ),
      ),
      store(c, slot.waitingCount, c.i32_const(0)),
      c.setLocal("j", c.i32_const(0)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_ge_u(c.getLocal("j"), c.getLocal("m"))),
          c.setLocal("at", c.i32_add(load(c, slot.retrying), c.i32_shl(c.getLocal("j"), c.i32_const(3)))),
          c.call(`${g}_darwinAdd`, c.i32_load(c.getLocal("at")), c.i32_load(c.getLocal("at"), 4)),
          c.if(c.i32_eq(load(c, slot.count), load(c, slot.batchSize)), c.call(`${g}_darwinFlush`)),
          c.setLocal("j", c.i32_add(c.getLocal("j"), c.i32_const(1))),
          c.br(0),
        ),
      ),
    );
  }

  // Adds ±base into bucket |digit|−1 through the batch, flushing it when full and then trying the
  // points that waited for it.
  {
    const fn = module.addFunction(`${g}_darwinPush`);
    fn.addParam("base", "i32");
    fn.addParam("digit", "i32");
    const c = fn.getCodeBuilder();
    fn.addCode(
      c.call(`${g}_darwinAdd`, c.getLocal("base"), c.getLocal("digit")),
      c.if(c.i32_eq(load(c, slot.count), load(c, slot.batchSize)), [
        ...c.call(`${g}_darwinFlush`),
        ...c.call(`${g}_darwinRetry`),
      ]),
    );
  }

  {
    const fn = module.addFunction(`${g}_darwinWindow`);
    fn.addParam("pBases", "i32");
    fn.addParam("pDigits", "i32");
    fn.addParam("n", "i32");
    fn.addParam("pScratch", "i32");
    fn.addParam("nBuckets", "i32");
    fn.addParam("batchSize", "i32");
    fn.addParam("pResult", "i32");
    fn.addLocal("i", "i32");
    fn.addLocal("at", "i32");
    fn.addLocal("digit", "i32");
    fn.addLocal("k", "i32");
    const c = fn.getCodeBuilder();
    const bump = (bytes: number[]) => [...c.setLocal("at", c.i32_add(c.getLocal("at"), bytes))];
    fn.addCode(
      c.setLocal("at", c.getLocal("pScratch")),
      store(c, slot.buckets, c.getLocal("at")),
      bump(c.i32_mul(c.getLocal("nBuckets"), c.i32_const(pointBytes))),
      store(c, slot.overflow, c.getLocal("at")),
      bump(c.i32_mul(c.getLocal("nBuckets"), c.i32_const(3 * n8))),
      store(c, slot.state, c.getLocal("at")),
      bump(c.i32_shl(c.getLocal("nBuckets"), c.i32_const(2))),
      store(c, slot.stamp, c.getLocal("at")),
      bump(c.i32_shl(c.getLocal("nBuckets"), c.i32_const(2))),
      store(c, slot.denoms, c.getLocal("at")),
      bump(c.i32_mul(c.getLocal("batchSize"), c.i32_const(n8))),
      store(c, slot.prefixes, c.getLocal("at")),
      bump(c.i32_mul(c.getLocal("batchSize"), c.i32_const(n8))),
      store(c, slot.entries, c.getLocal("at")),
      bump(c.i32_mul(c.getLocal("batchSize"), c.i32_const(12))),
      store(c, slot.waiting, c.getLocal("at")),
      bump(c.i32_shl(c.getLocal("batchSize"), c.i32_const(3))),
      store(c, slot.retrying, c.getLocal("at")),
      bump(c.i32_shl(c.getLocal("batchSize"), c.i32_const(3))),
      store(c, slot.waitingCount, c.i32_const(0)),
      store(c, slot.batchSize, c.getLocal("batchSize")),
      store(c, slot.count, c.i32_const(0)),
      store(c, slot.currentStamp, c.i32_const(1)),
      // Every bucket empty, no stamps.
      c.setLocal("i", c.i32_const(0)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_ge_u(c.getLocal("i"), c.getLocal("nBuckets"))),
          c.i32_store(
            c.i32_add(load(c, slot.state), c.i32_shl(c.getLocal("i"), c.i32_const(2))),
            c.i32_const(0),
          ),
          c.i32_store(
            c.i32_add(load(c, slot.stamp), c.i32_shl(c.getLocal("i"), c.i32_const(2))),
            c.i32_const(0),
          ),
          c.call(
            `${g}_zero`,
            c.i32_add(load(c, slot.overflow), c.i32_mul(c.getLocal("i"), c.i32_const(3 * n8))),
          ),
          c.setLocal("i", c.i32_add(c.getLocal("i"), c.i32_const(1))),
          c.br(0),
        ),
      ),
      // Every point with a non-zero digit.
      c.setLocal("i", c.i32_const(0)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_ge_u(c.getLocal("i"), c.getLocal("n"))),
          c.setLocal(
            "digit",
            c.i32_load(c.i32_add(c.getLocal("pDigits"), c.i32_shl(c.getLocal("i"), c.i32_const(2)))),
          ),
          c.if(
            c.getLocal("digit"),
            c.call(
              `${g}_darwinPush`,
              c.i32_add(c.getLocal("pBases"), c.i32_mul(c.getLocal("i"), c.i32_const(pointBytes))),
              c.getLocal("digit"),
            ),
          ),
          c.setLocal("i", c.i32_add(c.getLocal("i"), c.i32_const(1))),
          c.br(0),
        ),
      ),
      // The last batch, one more for the points that waited on it, and the overflow for the rest.
      c.call(`${g}_darwinFlush`),
      c.call(`${g}_darwinRetry`),
      c.call(`${g}_darwinFlush`),
      c.setLocal("i", c.i32_const(0)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_ge_u(c.getLocal("i"), load(c, slot.waitingCount))),
          c.setLocal("k", c.i32_add(load(c, slot.waiting), c.i32_shl(c.getLocal("i"), c.i32_const(3)))),
          c.call(`${g}_darwinOverflow`, c.i32_load(c.getLocal("k")), c.i32_load(c.getLocal("k"), 4)),
          c.setLocal("i", c.i32_add(c.getLocal("i"), c.i32_const(1))),
          c.br(0),
        ),
      ),
      store(c, slot.waitingCount, c.i32_const(0)),
      // Σ (k+1)·bucket_k as running sums from the top bucket down.
      c.call(`${g}_zero`, c.i32_const(sum)),
      c.call(`${g}_zero`, c.i32_const(total)),
      c.setLocal("k", c.getLocal("nBuckets")),
      c.block(
        c.loop(
          c.br_if(1, c.i32_eqz(c.getLocal("k"))),
          c.setLocal("k", c.i32_sub(c.getLocal("k"), c.i32_const(1))),
          c.if(
            c.i32_load(c.i32_add(load(c, slot.state), c.i32_shl(c.getLocal("k"), c.i32_const(2)))),
            c.call(
              `${g}_addMixed`,
              c.i32_const(sum),
              c.i32_add(load(c, slot.buckets), c.i32_mul(c.getLocal("k"), c.i32_const(pointBytes))),
              c.i32_const(sum),
            ),
          ),
          c.call(
            `${g}_add`,
            c.i32_const(sum),
            c.i32_add(load(c, slot.overflow), c.i32_mul(c.getLocal("k"), c.i32_const(3 * n8))),
            c.i32_const(sum),
          ),
          c.call(`${g}_add`, c.i32_const(total), c.i32_const(sum), c.i32_const(total)),
          c.br(0),
        ),
      ),
      c.call(`${g}_copy`, c.i32_const(total), c.getLocal("pResult")),
    );
    module.exportFunction(`${g}_darwinWindow`);
  }
}
