export * from "./encoding.ts";
export * from "./envelope.ts";
