// The few code-building shorthands every wasm function Darwin adds to ffjavascript's bn128 module
// uses (msm-wasm.ts, coset-wasm.ts, qap-wasm.ts), so each file reads as its algorithm.
import type { CodeBuilder } from "wasmbuilder";

export interface CodeShorthands {
  /** The value of a local or parameter. */
  get(local: string): number[];
  set(local: string, value: number[]): number[];
  /** An i32 constant. */
  k32(x: number): number[];
  /** `while (cond) body`: a block around a loop that leaves when `cond` is 0. */
  loopWhile(cond: number[], body: number[][]): number[];
  /** The address of element `index` of `elementBytes`-byte elements from `base`. */
  el(base: number[], index: number[], elementBytes: number): number[];
}

export function codeShorthands(c: CodeBuilder): CodeShorthands {
  return {
    get: (local) => c.getLocal(local),
    set: (local, value) => c.setLocal(local, value),
    k32: (x) => c.i32_const(x),
    loopWhile: (cond, body) => c.block(c.loop(c.br_if(1, c.i32_eqz(cond)), ...body, c.br(0))),
    el: (base, index, elementBytes) => c.i32_add(base, c.i32_mul(index, c.i32_const(elementBytes))),
  };
}
