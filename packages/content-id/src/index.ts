export * from "./cid.ts";
export * from "./errors.ts";
export * from "./importer.ts";
export * from "./reader.ts";
