export * from "./codec.ts";
export * from "./hex.ts";
export * from "./io.ts";
export * from "./registry.ts";
