export * from "./darwin-node.ts";
export * from "./ports.ts";
export * from "./process.ts";
export * from "./repo.ts";
