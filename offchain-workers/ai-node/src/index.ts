export * from "./commitment.ts";
export * from "./engine.ts";
export * from "./errors.ts";
export * from "./generate.ts";
export * from "./http.ts";
export * from "./model-source.ts";
export * from "./runner.ts";
export * from "./tensor.ts";
