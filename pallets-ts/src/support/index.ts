export * from "./externalities.ts";
export * from "./pallet.ts";
export * from "./storage.ts";
export * from "./thread-memo.ts";
export * from "./types.ts";
