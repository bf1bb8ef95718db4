export * from "./abi.ts";
export * from "./balances-erc20.ts";
export * from "./batch.ts";
export * from "./call-permit.ts";
export * from "./framework.ts";
