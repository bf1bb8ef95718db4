// Minimal typings for the untyped `wasmbuilder` package (iden3's wasm emitter, the one ffjavascript
// builds its curves with): the parts the batch-affine MSM functions use. Code is an array of bytes.
declare module "wasmbuilder" {
  type Code = number[];

  interface CodeBuilder {
    getLocal(name: string): Code;
    setLocal(name: string, value: Code): Code;
    i32_const(value: number): Code;
    i32_load(address: Code, offset?: number, align?: number): Code;
    i32_load8_u(address: Code, offset?: number, align?: number): Code;
    i32_store(address: Code, value: Code): Code;
    i32_store(address: Code, offset: number, value: Code): Code;
    i32_add(a: Code, b: Code): Code;
    i32_sub(a: Code, b: Code): Code;
    i32_mul(a: Code, b: Code): Code;
    i32_xor(a: Code, b: Code): Code;
    i32_and(a: Code, b: Code): Code;
    i32_or(a: Code, b: Code): Code;
    i32_shr_u(a: Code, b: Code): Code;
    i32_lt_u(a: Code, b: Code): Code;
    i32_shl(a: Code, b: Code): Code;
    i32_shr_s(a: Code, b: Code): Code;
    i32_eq(a: Code, b: Code): Code;
    i32_eqz(a: Code): Code;
    i32_lt_s(a: Code, b: Code): Code;
    i32_gt_s(a: Code, b: Code): Code;
    i32_ge_u(a: Code, b: Code): Code;
    i32_ne(a: Code, b: Code): Code;
    i64_const(value: number | bigint): Code;
    i64_load(address: Code, offset?: number, align?: number): Code;
    i64_or(a: Code, b: Code): Code;
    i64_ne(a: Code, b: Code): Code;
    call(fn: string, ...args: Code[]): Code;
    if(condition: Code, then: Code, otherwise?: Code): Code;
    block(body: Code): Code;
    loop(...body: Code[]): Code;
    br_if(depth: number, condition: Code): Code;
    br(depth: number): Code;
    ret(value: Code): Code;
  }

  interface FunctionBuilder {
    addParam(name: string, type: "i32" | "i64"): void;
    addLocal(name: string, type: "i32" | "i64", length?: number): void;
    setReturnType(type: "i32" | "i64"): void;
    getCodeBuilder(): CodeBuilder;
    addCode(...code: Code[]): void;
  }

  class ModuleBuilder {
    /** Reserves `bytes` of static memory and returns its address. */
    alloc(bytes: number): number;
    addFunction(name: string): FunctionBuilder;
    exportFunction(name: string, exportName?: string): void;
    setMemory(pages: number): void;
    build(): number[];
    readonly modules: Record<string, Record<string, unknown>>;
  }

  export type { Code, CodeBuilder, FunctionBuilder };
  export { ModuleBuilder };
}
