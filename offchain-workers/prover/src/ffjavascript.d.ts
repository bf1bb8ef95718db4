// Minimal typings for the untyped `ffjavascript` package: the bn128 curve parts the Groth16 prover uses.
declare module "ffjavascript" {
  /** A field element or a point, in ffjavascript's wasm (Montgomery, little-endian) representation. */
  type Element = Uint8Array;

  interface WasmField {
    readonly n8: number;
    /** log2 of the largest power-of-two root of unity. */
    readonly s: number;
    readonly shift: Element;
    /** w[k]: a primitive 2^k-th root of unity. */
    readonly w: readonly Element[];
    e(value: number | bigint | string): Element;
    mul(a: Element, b: Element): Element;
    inv(a: Element): Element;
    neg(a: Element): Element;
  }

  interface WasmGroup {
    readonly F: { readonly n8: number };
    readonly zero: Element;
    multiExpAffine(bases: Uint8Array, scalars: Uint8Array): Promise<Element>;
    add(a: Element, b: Element): Element;
    double(a: Element): Element;
    isZero(a: Element): boolean;
    eq(a: Element, b: Element): boolean;
    timesFr(a: Element, s: Element): Element;
    toAffine(a: Element): Element;
    toObject(a: Element): unknown[];
  }

  type TaskCommand =
    | { readonly cmd: "ALLOCSET"; readonly var: number; readonly buff: Uint8Array }
    | { readonly cmd: "ALLOC"; readonly var: number; readonly len: number }
    | {
        readonly cmd: "CALL";
        readonly fnName: string;
        readonly params: readonly (
          | { readonly var: number; readonly offset?: number }
          | { readonly val: number }
        )[];
      }
    | { readonly cmd: "GET"; readonly out: number; readonly var: number; readonly len: number };

  interface ThreadManager {
    readonly concurrency: number;
    queueAction(task: readonly TaskCommand[], transfers?: readonly ArrayBuffer[]): Promise<Uint8Array[]>;
  }

  interface Curve {
    readonly name: string;
    readonly Fr: WasmField;
    readonly G1: WasmGroup;
    readonly G2: WasmGroup;
    readonly tm: ThreadManager;
    terminate(): Promise<void>;
  }

  /** `plugins` adds functions to the curve's wasm module before it is built (every thread runs it). */
  export function buildBn128(
    singleThread?: boolean,
    plugins?: (module: import("wasmbuilder").ModuleBuilder) => void,
  ): Promise<Curve>;
  export type { Curve, Element, TaskCommand };
}
