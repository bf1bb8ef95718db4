// The Prover service end to end: a held-out digit runs through onnxruntime, is compiled/quantized,
// classified and proved with Groth16 by the warm engine, verified off chain, and verified on chain by
// SpecterRegistry in a plain @ethereumjs/vm. Plus tiers, estimates, batching and rejections.
import { analyzeMlp, answerFromAccumulators, circuitArtifacts } from "@darwin/circuits";
import { createLocalEvm, type EvmCallError, loadArtifact } from "@darwin/contracts";
import { classifierTestSet, defaultClassifier } from "@darwin/models";
import { createRegistry } from "@darwin/observability";
import { describe, expect, layer } from "@effect/vitest";
import { Effect } from "effect";
import * as ort from "onnxruntime-node";
import { type Abi, decodeErrorResult, encodeFunctionData, type Hex } from "viem";
import { checkAgreement } from "../src/agreement.ts";
import { modelCommitment } from "../src/commitment.ts";
import { parseOnnxMlp, quantizeInputs, quantizeMlp } from "../src/compiler.ts";
import { createGroth16Engine, proofCalldata } from "../src/groth16.ts";
import { Prover, proverLayer, proverTestLayer } from "../src/service.ts";

const model = defaultClassifier();
const float = parseOnnxMlp(model.onnx);
const mlp = quantizeMlp(float, { scaleBits: 8, inputMax: 1, name: "darwin-mnist-mlp" });
const test = classifierTestSet();
const pixels = (i: number): Float32Array => test.inputs.subarray(i * 49, (i + 1) * 49);
const metrics = createRegistry();

layer(proverLayer({ mlp }, { registry: metrics }), { timeout: 120_000 })("Prover (live, Groth16)", (it) => {
  it.effect(
    "end to end: onnxruntime -> quantize -> prove -> verify off chain -> SpecterRegistry in the EVM",
    () =>
      Effect.gen(function* () {
        const prover = yield* Prover;
        const sample = 5;
        // onnxruntime's answer for the digit.
        const session = yield* Effect.promise(() => ort.InferenceSession.create(model.onnx));
        const out = yield* Effect.promise(() =>
          session.run({
            [float.inputName]: new ort.Tensor("float32", Float32Array.from(pixels(sample)), [1, 49]),
          }),
        );
        yield* Effect.promise(() => session.release());
        const onnxLogits = Array.from((out[float.outputName] as ort.Tensor).data as Float32Array);
        const onnxLabel = onnxLogits.indexOf(Math.max(...onnxLogits));

        const x = quantizeInputs(pixels(sample));
        const estimate = yield* prover.estimate({ inputs: [x], tier: "groth16" });
        expect(estimate.proofs.map((p) => p.circuit)).toEqual(["classifier"]);
        expect(estimate.constraints).toBe(circuitArtifacts("classifier").info.constraints);
        expect(estimate.expectedSeconds).toBeGreaterThan(0);

        const outcome = yield* prover.classify({ inputs: [x], tier: "groth16" });
        const answer = outcome.answers[0];
        expect(answer?.label).toBe(onnxLabel);
        answer?.logits.forEach((l, o) => {
          expect(Math.abs(Number(l) / 256 - (onnxLogits[o] as number))).toBeLessThan(0.25);
        });
        const proof = outcome.proofs[0];
        if (!proof || !answer) throw new Error("no proof");
        expect(yield* prover.verify(proof)).toBe(true);
        expect(yield* prover.verifyClassification(proof, [answer], 0)).toBe(true);
        // A different claimed label does not match the proof's io hash.
        expect(
          yield* prover.verifyClassification(proof, [{ ...answer, label: (answer.label + 1) % 10 }], 0),
        ).toBe(false);
        // Accumulators the proof does not bind, with the logits and label they imply, fail the io hash;
        // logits that do not follow from the accumulators are refused before it.
        const shifted = answer.accumulators.map((a, o) => (o === 0 ? a + 256n : a));
        const implied = answerFromAccumulators(mlp, analyzeMlp(mlp), shifted);
        expect(
          yield* prover.verifyClassification(proof, [{ ...answer, accumulators: shifted, ...implied }], 0),
        ).toBe(false);
        expect(
          yield* prover.verifyClassification(
            proof,
            [{ ...answer, logits: answer.logits.map((l, o) => (o === 0 ? l + 1n : l)) }],
            0,
          ),
        ).toBe(false);

        // On chain.
        const evm = yield* Effect.promise(() => createLocalEvm());
        const verifier = (yield* Effect.promise(() => evm.deploy(loadArtifact("ClassifierVerifier"))))
          .address;
        const registryArtifact = loadArtifact("SpecterRegistry");
        const abi = registryArtifact.abi as Abi;
        const registry = (yield* Effect.promise(() => evm.deploy(registryArtifact))).address;
        const commitment = yield* Effect.promise(() => modelCommitment(circuitArtifacts("classifier")));
        yield* Effect.promise(() =>
          evm.call(
            registry,
            encodeFunctionData({
              abi,
              functionName: "registerModel",
              args: [commitment, verifier, 1, 2 ** 32 - 1],
            }),
          ),
        );
        const submit = encodeFunctionData({
          abi,
          functionName: "submitProof",
          args: [commitment, proof.publicSignals.map(BigInt), proofCalldata(proof.proof)],
        });
        const receipt = yield* Effect.promise(() => evm.call(registry, submit));
        expect(receipt.logs).toHaveLength(1);
        const replay = yield* Effect.promise(() =>
          evm.call(registry, submit).then(
            () => "accepted",
            (e: EvmCallError) => e.data as Hex,
          ),
        );
        expect(decodeErrorResult({ abi, data: replay as Hex }).errorName).toBe("Replayed");
      }),
  );

  it.effect("batches several inferences into one proof (padding to the batch size) and verifies it", () =>
    Effect.gen(function* () {
      const prover = yield* Prover;
      const inputs = [20, 21, 22].map((i) => quantizeInputs(pixels(i)));
      const estimate = yield* prover.estimate({ inputs, tier: "groth16" });
      const outcome = yield* prover.classify({ inputs, tier: "groth16" });
      expect(outcome.proofs.length).toBe(estimate.proofs.length);
      const covered = outcome.proofs.flatMap((p) => p.indices);
      expect(covered).toEqual([0, 1, 2]);
      for (const p of outcome.proofs) {
        const answers = p.indices.map((i) => outcome.answers[i] as (typeof outcome.answers)[number]);
        expect(yield* prover.verifyClassification(p, answers, p.padding)).toBe(true);
      }
      const text = yield* Effect.promise(() => metrics.metrics());
      expect(text).toMatch(/darwin_specter_proofs_total\{circuit="classifier[^"]*",outcome="proved"\} \d+/);
    }),
  );

  it.effect("tier none answers without proving", () =>
    Effect.gen(function* () {
      const prover = yield* Prover;
      const outcome = yield* prover.classify({ inputs: [quantizeInputs(pixels(30))], tier: "none" });
      expect(outcome.proofs).toEqual([]);
      expect(outcome.estimate.expectedSeconds).toBe(0);
      expect(outcome.answers[0]?.logits).toHaveLength(10);
    }),
  );

  it.effect("rejects out-of-range inputs, empty requests and unknown circuits with typed errors", () =>
    Effect.gen(function* () {
      const prover = yield* Prover;
      const bad = quantizeInputs(pixels(31));
      bad[3] = 1000n;
      const e1 = yield* Effect.flip(prover.classify({ inputs: [bad], tier: "groth16" }));
      expect(e1._tag).toBe("InvalidProofRequest");
      const e2 = yield* Effect.flip(prover.classify({ inputs: [], tier: "groth16" }));
      expect(e2._tag).toBe("InvalidProofRequest");
      const e3 = yield* Effect.flip(prover.prove("no_such_circuit", {}));
      expect(e3._tag).toBe("UnknownCircuit");
      const e4 = yield* Effect.flip(prover.prove("classifier", { x: [[1n]] }));
      expect(e4._tag).toBe("InvalidProofRequest");
    }),
  );
});

layer(proverTestLayer({ mlp }))("Prover (test layer)", (it) => {
  it.effect("answers with the exact integer model and no proofs", () =>
    Effect.gen(function* () {
      const prover = yield* Prover;
      const outcome = yield* prover.classify({ inputs: [quantizeInputs(pixels(0))], tier: "groth16" });
      expect(outcome.proofs).toEqual([]);
      expect(outcome.answers[0]?.label).toBeTypeOf("number");
    }),
  );
});

describe("agreement with onnxruntime on the held-out set", () => {
  layer(proverTestLayer({ mlp }))((it) => {
    it.effect("circuit logits stay within the stated quantization bound; labels agree", () =>
      Effect.gen(function* () {
        const engine = createGroth16Engine();
        const report = yield* Effect.promise(() =>
          checkAgreement({ onnx: model.onnx, float, mlp, data: test, engine, limit: 400 }),
        );
        yield* Effect.promise(() => engine.close());
        expect(report.samples).toBe(400);
        expect(report.withinBound).toBe(report.samples);
        expect(report.labelAgreement).toBeGreaterThanOrEqual(0.97);
        expect(report.maxAbsError).toBeLessThanOrEqual(report.maxSampleBound);
      }),
    );
  });
});
