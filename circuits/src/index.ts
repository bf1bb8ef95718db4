// @darwin/circuits: SPECTER's circom component library (lib/specter.circom), its bit-exact
// TypeScript references, the circuit generators, and the committed development setup outputs.
export * from "./attention.ts";
export * from "./catalog.ts";
export * from "./circom.ts";
export * from "./classifier.ts";
export * from "./fixed.ts";
export * from "./mlp.ts";
export * from "./poseidon.ts";
export * from "./r1cs.ts";
export * from "./setup.ts";
