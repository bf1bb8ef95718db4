// Off-chain verification with the registry's rules: tampered proofs, wrong public inputs, proofs for
// another model commitment, mismatched weight commitments and replays are rejected; the statement
// key matches SpecterRegistry's.
import {
  CLASSIFIER_PRIVATE_MODE,
  circuitArtifacts,
  classifierInput,
  defaultClassifierMlp,
} from "@darwin/circuits";
import { createLocalEvm, loadArtifact } from "@darwin/contracts";
import { classifierTestSet, quantizeInput } from "@darwin/models";
import { type Abi, decodeFunctionResult, encodeFunctionData, type Hex, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelCommitment } from "../src/commitment.ts";
import { createGroth16Engine, type ProofBundle } from "../src/groth16.ts";
import { createOffchainVerifier, statementOf } from "../src/offchain.ts";

const engine = createGroth16Engine();
const mlp = defaultClassifierMlp();
const test = classifierTestSet();
const pixels = (i: number): bigint[] =>
  Array.from(quantizeInput(test.inputs.subarray(i * 49, (i + 1) * 49)), BigInt);
let a: ProofBundle;
let b: ProofBundle;
let batch: ProofBundle;
let priv: ProofBundle;
let classifier: Hex;
let classifierB8: Hex;
let weights: Hex;

beforeAll(async () => {
  a = (await engine.prove("classifier", { x: [pixels(0)] })).bundle;
  b = (await engine.prove("classifier", { x: [pixels(1)] })).bundle;
  batch = (await engine.prove("classifier_b8", { x: Array.from({ length: 8 }, (_, i) => pixels(i + 2)) }))
    .bundle;
  priv = (
    await engine.prove("classifier_private", classifierInput(mlp, CLASSIFIER_PRIVATE_MODE, [pixels(3)]))
  ).bundle;
  classifier = await modelCommitment(circuitArtifacts("classifier"));
  classifierB8 = await modelCommitment(circuitArtifacts("classifier_b8"));
  weights = await modelCommitment(circuitArtifacts("classifier_private"), mlp);
}, 120_000);

afterAll(() => engine.close());

describe("createOffchainVerifier", () => {
  it("accepts a valid proof once and rejects its replay", async () => {
    const v = createOffchainVerifier(engine);
    v.register(classifier, { circuit: "classifier" });
    expect(await v.submit(classifier, a)).toMatchObject({
      accepted: true,
      statement: statementOf(classifier, a.publicSignals),
    });
    expect(await v.submit(classifier, a)).toEqual({ accepted: false, reason: "replayed" });
  });

  it("rejects a tampered proof and a wrong public input", async () => {
    const v = createOffchainVerifier(engine);
    v.register(classifier, { circuit: "classifier" });
    const tampered = { ...b, proof: { ...b.proof, pi_a: a.proof.pi_a } };
    expect(await v.submit(classifier, tampered)).toEqual({ accepted: false, reason: "invalid-proof" });
    const wrong = { ...b, publicSignals: [(BigInt(b.publicSignals[0] as string) + 1n).toString()] };
    expect(await v.submit(classifier, wrong)).toEqual({ accepted: false, reason: "invalid-proof" });
    expect((await v.submit(classifier, b)).accepted).toBe(true);
  });

  it("rejects a proof submitted for another model commitment, however it is labelled", async () => {
    const v = createOffchainVerifier(engine);
    v.register(classifier, { circuit: "classifier" });
    v.register(classifierB8, { circuit: "classifier_b8" });
    expect(await v.submit(classifierB8, a)).toEqual({ accepted: false, reason: "invalid-proof" });
    expect(await v.submit(classifier, { ...batch, circuit: "classifier" })).toEqual({
      accepted: false,
      reason: "invalid-proof",
    });
    expect(await v.submit(toHex(7n, { size: 32 }), a)).toEqual({ accepted: false, reason: "unknown-model" });
    expect((await v.submit(classifierB8, batch)).accepted).toBe(true);
  });

  it("binds private-weights proofs to the weights commitment", async () => {
    const v = createOffchainVerifier(engine);
    const other = toHex(BigInt(weights) ^ 1n, { size: 32 });
    v.register(weights, { circuit: "classifier_private", commitmentSignal: 0 });
    v.register(other, { circuit: "classifier_private", commitmentSignal: 0 });
    expect(await v.submit(other, priv)).toEqual({ accepted: false, reason: "commitment-mismatch" });
    expect((await v.submit(weights, priv)).accepted).toBe(true);
  });

  it("uses SpecterRegistry's statement key", async () => {
    const evm = await createLocalEvm();
    const artifact = loadArtifact("SpecterRegistry");
    const abi = artifact.abi as Abi;
    const registry = (await evm.deploy(artifact)).address;
    const data = encodeFunctionData({
      abi,
      functionName: "statementOf",
      args: [classifier, a.publicSignals.map(BigInt)],
    });
    const r = await evm.call(registry, data, { isStatic: true });
    expect(decodeFunctionResult({ abi, functionName: "statementOf", data: r.returnData })).toBe(
      statementOf(classifier, a.publicSignals),
    );
  });
});
