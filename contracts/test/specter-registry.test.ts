// The snarkjs-exported verifiers and SpecterRegistry in a plain @ethereumjs/vm: valid proofs are
// accepted once, and tampered proofs, wrong public inputs, proofs under another model's commitment,
// mismatched weight commitments and replays are rejected. Proofs are made here with snarkjs from the
// committed development setup.
import {
  CLASSIFIER_PRIVATE_MODE,
  circuitArtifacts,
  classifierInput,
  defaultClassifierMlp,
  loadWitnessCalculator,
} from "@darwin/circuits";
import { classifierTestSet, quantizeInput } from "@darwin/models";
import * as snarkjs from "snarkjs";
import {
  type Abi,
  decodeErrorResult,
  decodeEventLog,
  decodeFunctionResult,
  encodeFunctionData,
  type Hex,
  keccak256,
  stringToHex,
  toHex,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileContracts } from "../src/compile.ts";
import { createLocalEvm, EvmCallError, type LocalEvm } from "../src/evm.ts";
import { loadArtifact } from "../src/index.ts";

const registryArtifact = loadArtifact("SpecterRegistry");
const registryAbi = registryArtifact.abi as Abi;
const NO_SIGNAL = 2 ** 32 - 1;

interface Proved {
  readonly proof: snarkjs.Groth16Proof;
  readonly publicSignals: string[];
}

function calldata(proof: snarkjs.Groth16Proof): bigint[] {
  const b = proof.pi_b as string[][];
  const g = (xs: readonly string[] | undefined, i: number) => BigInt(xs?.[i] ?? "0");
  return [
    g(proof.pi_a, 0),
    g(proof.pi_a, 1),
    g(b[0], 1),
    g(b[0], 0),
    g(b[1], 1),
    g(b[1], 0),
    g(proof.pi_c, 0),
    g(proof.pi_c, 1),
  ];
}

async function prove(circuit: string, input: Record<string, unknown>): Promise<Proved> {
  const a = circuitArtifacts(circuit);
  const calc = await loadWitnessCalculator(a.wasm);
  const wtns = await calc.wtns(input);
  const { proof, publicSignals } = await snarkjs.groth16.prove(a.zkey, wtns);
  return { proof, publicSignals };
}

const mlp = defaultClassifierMlp();
const test = classifierTestSet();
const pixels = (i: number): bigint[] =>
  Array.from(quantizeInput(test.inputs.subarray(i * 49, (i + 1) * 49)), BigInt);
const vkCommitment = (circuit: string): Hex =>
  keccak256(stringToHex(JSON.stringify(circuitArtifacts(circuit).verificationKey)));

let evm: LocalEvm;
let registry: Hex;
const verifiers: Record<string, Hex> = {};
let single: Proved;
let single2: Proved;
let batch8: Proved;
let priv: Proved;

function revertName(e: unknown): string {
  if (!(e instanceof EvmCallError)) throw e;
  return decodeErrorResult({ abi: registryAbi, data: e.data }).errorName;
}

async function submit(commitment: Hex, p: Proved, signals?: readonly bigint[]) {
  return evm.call(
    registry,
    encodeFunctionData({
      abi: registryAbi,
      functionName: "submitProof",
      args: [commitment, signals ?? p.publicSignals.map(BigInt), calldata(p.proof)],
    }),
  );
}

async function register(commitment: Hex, verifier: Hex, publicSignals: number, commitmentSignal: number) {
  return evm.call(
    registry,
    encodeFunctionData({
      abi: registryAbi,
      functionName: "registerModel",
      args: [commitment, verifier, publicSignals, commitmentSignal],
    }),
  );
}

beforeAll(async () => {
  evm = await createLocalEvm();
  for (const c of ["ClassifierVerifier", "ClassifierB8Verifier", "ClassifierPrivateVerifier"]) {
    verifiers[c] = (await evm.deploy(loadArtifact(c))).address;
  }
  registry = (await evm.deploy(registryArtifact)).address;
  single = await prove("classifier", { x: [pixels(0)] });
  single2 = await prove("classifier", { x: [pixels(1)] });
  batch8 = await prove("classifier_b8", { x: Array.from({ length: 8 }, (_, i) => pixels(10 + i)) });
  priv = await prove("classifier_private", classifierInput(mlp, CLASSIFIER_PRIVATE_MODE, [pixels(2)]));
}, 120_000);

afterAll(async () => {
  const holder = globalThis as { curve_bn128?: { terminate(): Promise<void> } | null };
  const curve = holder.curve_bn128;
  holder.curve_bn128 = null;
  await curve?.terminate();
});

describe("artifacts", () => {
  it("the committed artifacts are what solc compiles from contracts/src today", () => {
    const fresh = compileContracts();
    for (const [name, artifact] of fresh) expect(loadArtifact(name).bytecode, name).toBe(artifact.bytecode);
  });
});

describe("Groth16 verifier (snarkjs export)", () => {
  const verify = async (verifier: Hex, p: Proved, signals?: readonly bigint[]) => {
    const pr = calldata(p.proof);
    const sig = signals ?? p.publicSignals.map(BigInt);
    const abi = loadArtifact("ClassifierVerifier").abi as Abi;
    const data = encodeFunctionData({
      abi,
      functionName: "verifyProof",
      args: [
        [pr[0], pr[1]],
        [
          [pr[2], pr[3]],
          [pr[4], pr[5]],
        ],
        [pr[6], pr[7]],
        sig,
      ],
    });
    const r = await evm.call(verifier, data, { isStatic: true });
    return {
      ok: decodeFunctionResult({ abi, functionName: "verifyProof", data: r.returnData }) as boolean,
      gas: r.transactionGas,
    };
  };

  it("accepts a valid proof, under 250k gas", async () => {
    const r = await verify(verifiers.ClassifierVerifier as Hex, single);
    expect(r.ok).toBe(true);
    expect(r.gas).toBeLessThan(250_000n);
  });
  it("rejects a wrong public input", async () => {
    expect(
      (
        await verify(verifiers.ClassifierVerifier as Hex, single, [
          BigInt(single.publicSignals[0] as string) + 1n,
        ])
      ).ok,
    ).toBe(false);
  });
  it("rejects a tampered proof", async () => {
    const tampered = {
      ...single,
      proof: {
        ...single.proof,
        pi_a: [single2.proof.pi_a[0] as string, single2.proof.pi_a[1] as string, "1"],
      },
    };
    expect((await verify(verifiers.ClassifierVerifier as Hex, tampered)).ok).toBe(false);
  });
  it("rejects a proof made for another circuit", async () => {
    expect((await verify(verifiers.ClassifierB8Verifier as Hex, single)).ok).toBe(false);
  });
});

describe("SpecterRegistry", () => {
  const classifier = vkCommitment("classifier");
  const classifierB8 = vkCommitment("classifier_b8");
  let weightsCommitment: Hex;

  beforeAll(async () => {
    weightsCommitment = toHex(BigInt(priv.publicSignals[0] as string), { size: 32 });
    await register(classifier, verifiers.ClassifierVerifier as Hex, 1, NO_SIGNAL);
    await register(classifierB8, verifiers.ClassifierB8Verifier as Hex, 1, NO_SIGNAL);
    await register(weightsCommitment, verifiers.ClassifierPrivateVerifier as Hex, 2, 0);
  });

  it("records models and refuses to overwrite one", async () => {
    const r = await evm.call(
      registry,
      encodeFunctionData({ abi: registryAbi, functionName: "model", args: [classifier] }),
      { isStatic: true },
    );
    const [verifier, publicSignals, commitmentSignal] = decodeFunctionResult({
      abi: registryAbi,
      functionName: "model",
      data: r.returnData,
    }) as [Hex, number, number, Hex];
    expect(verifier.toLowerCase()).toBe((verifiers.ClassifierVerifier as Hex).toLowerCase());
    expect([publicSignals, commitmentSignal]).toEqual([1, NO_SIGNAL]);
    await expect(
      register(classifier, verifiers.ClassifierB8Verifier as Hex, 1, NO_SIGNAL).catch(revertName),
    ).resolves.toBe("ModelExists");
  });

  it("accepts a valid proof once, emits InferenceVerified, and rejects the replay", async () => {
    const r = await submit(classifier, single);
    expect(r.transactionGas).toBeLessThan(300_000n);
    const event = decodeEventLog({
      abi: registryAbi,
      data: toHex(r.logs[0]?.[2] ?? new Uint8Array()),
      topics: (r.logs[0]?.[1] ?? []).map((t) => toHex(t)) as [Hex, ...Hex[]],
    });
    expect(event.eventName).toBe("InferenceVerified");
    const args = event.args as unknown as { modelCommitment: Hex; publicSignals: readonly bigint[] };
    expect(args.modelCommitment).toBe(classifier);
    expect(args.publicSignals).toEqual(single.publicSignals.map(BigInt));
    await expect(submit(classifier, single).catch(revertName)).resolves.toBe("Replayed");
  });

  it("rejects a tampered proof and a wrong public input", async () => {
    const p = calldata(single2.proof);
    const tampered = encodeFunctionData({
      abi: registryAbi,
      functionName: "submitProof",
      args: [
        classifier,
        single2.publicSignals.map(BigInt),
        [p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7] === 1n ? 2n : 1n] as bigint[],
      ],
    });
    await expect(evm.call(registry, tampered).catch(revertName)).resolves.toBe("InvalidProof");
    await expect(
      submit(classifier, single2, [BigInt(single2.publicSignals[0] as string) ^ 1n]).catch(revertName),
    ).resolves.toBe("InvalidProof");
    // Neither attempt consumed the statement: the honest proof still goes through.
    await submit(classifier, single2);
  });

  it("rejects a proof submitted under another model's commitment", async () => {
    await expect(submit(classifierB8, single).catch(revertName)).resolves.toBe("InvalidProof");
    await expect(submit(classifier, batch8).catch(revertName)).resolves.toBe("InvalidProof");
    await submit(classifierB8, batch8);
  });

  it("binds private-weights proofs to the registered weights commitment", async () => {
    const other = toHex(BigInt(weightsCommitment) ^ 1n, { size: 32 });
    await register(other, verifiers.ClassifierPrivateVerifier as Hex, 2, 0);
    await expect(submit(other, priv).catch(revertName)).resolves.toBe("CommitmentMismatch");
    await submit(weightsCommitment, priv);
    await expect(submit(weightsCommitment, priv).catch(revertName)).resolves.toBe("Replayed");
  });

  it("rejects unknown models, wrong signal counts and out-of-field signals", async () => {
    await expect(submit(toHex(1n, { size: 32 }), single).catch(revertName)).resolves.toBe("UnknownModel");
    await expect(submit(classifier, single, [1n, 2n]).catch(revertName)).resolves.toBe("BadSignalCount");
    const p = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
    await expect(
      submit(classifier, single, [BigInt(single.publicSignals[0] as string) + p]).catch(revertName),
    ).resolves.toBe("SignalOutOfField");
  });
});
