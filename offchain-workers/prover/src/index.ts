// @darwin/prover: SPECTER's model compiler (ONNX -> quantized circuit parameters), the agreement
// check against onnxruntime, and the Prover Effect service over one warm Groth16 engine.
export * from "./agreement.ts";
export * from "./commitment.ts";
export * from "./compiler.ts";
export * from "./errors.ts";
export * from "./groth16.ts";
export * from "./offchain.ts";
export * from "./service.ts";
