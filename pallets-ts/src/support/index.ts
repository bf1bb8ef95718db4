export * from "./externalities.ts";
export * from "./pallet.ts";
export * from "./storage.ts";
export * from "./types.ts";
