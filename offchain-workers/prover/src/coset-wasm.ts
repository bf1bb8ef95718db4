// The move of a polynomial from its evaluations on the constraint domain to its evaluations on the
// odd coset (x -> inc·x), as wasm functions added to ffjavascript's bn128 module.
//
// wasmcurves' frm_ifft/frm_fft each reorder their input by bit reversal and spend two field
// multiplications per butterfly (the twiddle is advanced by one per step). Here the inverse
// transform is decimation-in-frequency (natural order in, bit-reversed out) and the forward one
// decimation-in-time (bit-reversed in, natural out), so neither reorders; the coset shift and the
// 1/n of the inverse are applied in between, to each coefficient where it lies in bit-reversed
// order. One multiplication per butterfly: about half the time of ifft + applyKey + fft. The n/2
// twiddles and the n shift factors (inc^i / n at rev(i)) depend only on the domain, so they are
// built once per domain (`frm_darwinCosetTables`) and handed to every transform: building them per
// transform cost 2.5 multiplications per element, a tenth of the transform at 2^15.
//
// `frm_darwinCosetTables(n, pw, pInc, pScale, pTw, pShift)`:
//   pw       a primitive n-th root of unity; pInc the coset shift; pScale 1/n (all Montgomery)
//   pTw      out: `cosetTwiddleBytes(n)` bytes, w^j for j < n/2
//   pShift   out: `cosetShiftBytes(n)` bytes, inc^i / n at position rev(i)
// `frm_darwinOddCoset(px, n, pTw, pShift)`:
//   px       n field elements (Montgomery), replaced in place
import type { CodeBuilder, ModuleBuilder } from "wasmbuilder";
import { codeShorthands } from "./wasm-code.ts";

const N8 = 32;

export function cosetTwiddleBytes(n: number): number {
  // At least one element: the table's first entry (w^0 = 1) is written even for a domain of one.
  return Math.max(1, n / 2) * N8;
}

export function cosetShiftBytes(n: number): number {
  return n * N8;
}

export function addOddCosetTransform(module: ModuleBuilder): void {
  addTables(module);
  addTransform(module);
}

function addTables(module: ModuleBuilder): void {
  const fn = module.addFunction("frm_darwinCosetTables");
  for (const p of ["n", "pw", "pInc", "pScale", "pTw", "pShift"]) fn.addParam(p, "i32");
  for (const l of ["half", "j", "i", "r", "bit"]) fn.addLocal(l, "i32");
  const power = module.alloc(N8);
  const c: CodeBuilder = fn.getCodeBuilder();
  const { get, set, k32, loopWhile, el: elOf } = codeShorthands(c);
  const el = (base: number[], index: number[]) => elOf(base, index, N8);
  fn.addCode(
    set("half", c.i32_shr_u(get("n"), k32(1))),
    c.call("frm_one", get("pTw")),
    set("j", k32(1)),
    loopWhile(c.i32_lt_u(get("j"), get("half")), [
      c.call("frm_mul", el(get("pTw"), c.i32_sub(get("j"), k32(1))), get("pw"), el(get("pTw"), get("j"))),
      set("j", c.i32_add(get("j"), k32(1))),
    ]),
    c.call("frm_copy", get("pScale"), k32(power)),
    set("i", k32(0)),
    set("r", k32(0)),
    loopWhile(c.i32_lt_u(get("i"), get("n")), [
      c.call("frm_copy", k32(power), el(get("pShift"), get("r"))),
      c.call("frm_mul", k32(power), get("pInc"), k32(power)),
      set("i", c.i32_add(get("i"), k32(1))),
      // r = rev(i): add one at the top bit, carrying downwards.
      set("bit", get("half")),
      loopWhile(c.i32_and(get("r"), get("bit")), [
        set("r", c.i32_xor(get("r"), get("bit"))),
        set("bit", c.i32_shr_u(get("bit"), k32(1))),
      ]),
      set("r", c.i32_or(get("r"), get("bit"))),
    ]),
  );
  module.exportFunction("frm_darwinCosetTables");
}

function addTransform(module: ModuleBuilder): void {
  const fn = module.addFunction("frm_darwinOddCoset");
  fn.addParam("px", "i32");
  fn.addParam("n", "i32");
  fn.addParam("pTw", "i32");
  fn.addParam("pShift", "i32");
  for (const l of ["half", "h", "s", "k", "j", "a", "b", "tw", "r"]) fn.addLocal(l, "i32");
  const t = module.alloc(N8);
  const c: CodeBuilder = fn.getCodeBuilder();
  const { get, set, k32, loopWhile, el: elOf } = codeShorthands(c);
  const el = (base: number[], index: number[]) => elOf(base, index, N8);

  fn.addCode(
    set("half", c.i32_shr_u(get("n"), k32(1))),
    // Inverse transform, decimation in frequency: (a, b) -> (a + b, (a − b)·w^(−m)), m = j·s, with
    // w^(−m) = −w^(n/2 − m): (b − a)·tw[n/2 − m].
    set("h", get("half")),
    set("s", k32(1)),
    loopWhile(get("h"), [
      set("k", k32(0)),
      loopWhile(c.i32_lt_u(get("k"), get("n")), [
        set("j", k32(0)),
        set("a", el(get("px"), get("k"))),
        set("b", el(get("px"), c.i32_add(get("k"), get("h")))),
        // j = 0: the twiddle is 1.
        c.call("frm_sub", get("a"), get("b"), k32(t)),
        c.call("frm_add", get("a"), get("b"), get("a")),
        c.call("frm_copy", k32(t), get("b")),
        set("j", k32(1)),
        set("tw", el(get("pTw"), c.i32_sub(get("half"), get("s")))),
        loopWhile(c.i32_lt_u(get("j"), get("h")), [
          set("a", c.i32_add(get("a"), k32(N8))),
          set("b", c.i32_add(get("b"), k32(N8))),
          c.call("frm_sub", get("b"), get("a"), k32(t)),
          c.call("frm_add", get("a"), get("b"), get("a")),
          c.call("frm_mul", k32(t), get("tw"), get("b")),
          set("tw", c.i32_sub(get("tw"), c.i32_mul(get("s"), k32(N8)))),
          set("j", c.i32_add(get("j"), k32(1))),
        ]),
        set("k", c.i32_add(get("k"), c.i32_shl(get("h"), k32(1)))),
      ]),
      set("h", c.i32_shr_u(get("h"), k32(1))),
      set("s", c.i32_shl(get("s"), k32(1))),
    ]),
    // Coefficient i lies at r = rev(i): times inc^i / n, the table's entry r.
    set("r", k32(0)),
    loopWhile(c.i32_lt_u(get("r"), get("n")), [
      c.call("frm_mul", el(get("px"), get("r")), el(get("pShift"), get("r")), el(get("px"), get("r"))),
      set("r", c.i32_add(get("r"), k32(1))),
    ]),
    // Forward transform, decimation in time: t = b·w^m; (a, b) -> (a + t, a − t).
    set("h", k32(1)),
    set("s", get("half")),
    loopWhile(c.i32_lt_u(get("h"), get("n")), [
      set("k", k32(0)),
      loopWhile(c.i32_lt_u(get("k"), get("n")), [
        set("a", el(get("px"), get("k"))),
        set("b", el(get("px"), c.i32_add(get("k"), get("h")))),
        c.call("frm_copy", get("b"), k32(t)),
        c.call("frm_sub", get("a"), k32(t), get("b")),
        c.call("frm_add", get("a"), k32(t), get("a")),
        set("j", k32(1)),
        set("tw", el(get("pTw"), get("s"))),
        loopWhile(c.i32_lt_u(get("j"), get("h")), [
          set("a", c.i32_add(get("a"), k32(N8))),
          set("b", c.i32_add(get("b"), k32(N8))),
          c.call("frm_mul", get("b"), get("tw"), k32(t)),
          c.call("frm_sub", get("a"), k32(t), get("b")),
          c.call("frm_add", get("a"), k32(t), get("a")),
          set("tw", c.i32_add(get("tw"), c.i32_mul(get("s"), k32(N8)))),
          set("j", c.i32_add(get("j"), k32(1))),
        ]),
        set("k", c.i32_add(get("k"), c.i32_shl(get("h"), k32(1)))),
      ]),
      set("h", c.i32_shl(get("h"), k32(1))),
      set("s", c.i32_shr_u(get("s"), k32(1))),
    ]),
  );
  module.exportFunction("frm_darwinOddCoset");
}
