// The QAP evaluations A·w and B·w at each constraint of a range, and C = A·B, as one wasm function
// added to ffjavascript's bn128 module. wasmcurves' qap_buildABC scans every coefficient record of
// the key on every thread (keeping those of its range) and multiplies each by its witness value even
// when that is zero; a witness is mostly zeros and bits (for the 32-inference classifier a third of
// the 283k records are on zero values), and the prover hands each task only its own range's records
// (the key's records are ordered by constraint), so here a record on a zero value costs a load and a
// test instead of a Montgomery multiplication and an addition.
//
// `frm_darwinBuildABC(pCoefs, nCoefs, pWitness, pA, pB, pC, offsetOut, nOut, nWitness)`:
//   pCoefs   nCoefs records (matrix u32, constraint u32, signal u32, coefficient as in the zkey)
//   pWitness nWitness field elements, 32-byte little-endian, not in Montgomery form
//   pA, pB, pC nOut field elements each (Montgomery), for constraints offsetOut .. offsetOut+nOut−1
// Records outside the range, of a matrix other than A (0) or B (1), or of a signal ≥ nWitness are
// skipped, as qap_buildABC skips them.
import type { ModuleBuilder } from "wasmbuilder";
import { codeShorthands } from "./wasm-code.ts";

const N8 = 32;
const RECORD = 12 + N8;

export function addQapBuild(module: ModuleBuilder): void {
  const fn = module.addFunction("frm_darwinBuildABC");
  for (const p of ["pCoefs", "nCoefs", "pWitness", "pA", "pB", "pC", "offsetOut", "nOut", "nWitness"])
    fn.addParam(p, "i32");
  for (const l of ["it", "last", "s", "w", "m", "k", "pOut", "i"]) fn.addLocal(l, "i32");
  const c = fn.getCodeBuilder();
  const aux = module.alloc(N8);
  const { get, set, k32, loopWhile, el: elOf } = codeShorthands(c);
  const next = set("it", c.i32_add(get("it"), k32(RECORD)));
  const el = (base: string, index: number[]) => elOf(get(base), index, N8);

  fn.addCode(
    set("i", k32(0)),
    loopWhile(c.i32_lt_u(get("i"), get("nOut")), [
      c.call("frm_zero", el("pA", get("i"))),
      c.call("frm_zero", el("pB", get("i"))),
      set("i", c.i32_add(get("i"), k32(1))),
    ]),
    set("it", get("pCoefs")),
    set("last", c.i32_add(get("pCoefs"), c.i32_mul(get("nCoefs"), k32(RECORD)))),
    loopWhile(c.i32_ne(get("it"), get("last")), [
      set("s", c.i32_load(get("it"), 8)),
      set("k", c.i32_sub(c.i32_load(get("it"), 4), get("offsetOut"))),
      set("m", c.i32_load(get("it"))),
      set("w", el("pWitness", get("s"))),
      // Unsigned compares: k below offsetOut wraps to a large value.
      c.if(
        c.i32_and(
          c.i32_and(c.i32_lt_u(get("s"), get("nWitness")), c.i32_lt_u(get("k"), get("nOut"))),
          c.i32_lt_u(get("m"), k32(2)),
        ),
        c.if(
          c.i64_ne(
            c.i64_or(
              c.i64_or(c.i64_load(get("w")), c.i64_load(get("w"), 8)),
              c.i64_or(c.i64_load(get("w"), 16), c.i64_load(get("w"), 24)),
            ),
            c.i64_const(0),
          ),
          [
            ...c.if(get("m"), set("pOut", get("pB")), set("pOut", get("pA"))),
            ...c.call("frm_mul", get("w"), c.i32_add(get("it"), k32(12)), k32(aux)),
            ...c.call("frm_add", el("pOut", get("k")), k32(aux), el("pOut", get("k"))),
          ],
        ),
      ),
      next,
    ]),
    set("i", k32(0)),
    loopWhile(c.i32_lt_u(get("i"), get("nOut")), [
      c.call("frm_mul", el("pA", get("i")), el("pB", get("i")), el("pC", get("i"))),
      set("i", c.i32_add(get("i"), k32(1))),
    ]),
  );
  module.exportFunction("frm_darwinBuildABC");
}
