// Several proofs in flight at once in one process, on the same key and on different keys: each
// proof's working memory (`ProofMemory`, reused from proof to proof of a circuit) is its own, so
// every proof verifies with snarkjs; a proof that fails while its tasks still run does not hand its
// memory to the next proof. The witness calculator (one circom wasm instance per circuit) gives each
// of several witnesses in flight its own values.

import { readFileSync } from "node:fs";
import { circuitArtifacts, DEFAULT_ATTENTION, loadWitnessCalculator } from "@darwin/circuits";
import { classifierTestSet, quantizeInput } from "@darwin/models";
import type { TaskCommand } from "ffjavascript";
import * as snarkjs from "snarkjs";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createGroth16Engine } from "../src/groth16.ts";
import { groth16Prove, parseZkey, provingCurve, releaseBn128, wtnsValues } from "../src/groth16-prover.ts";

const test = classifierTestSet();
const pixels = (i: number): bigint[] =>
  Array.from(quantizeInput(test.inputs.subarray(i * 49, (i + 1) * 49)), BigInt);

function inputFor(circuit: string, seed: number): Record<string, unknown> {
  if (circuit === "classifier") return { x: [pixels(seed)] };
  if (circuit === "classifier_b8") return { x: Array.from({ length: 8 }, (_, i) => pixels(seed + i)) };
  return {
    x: Array.from({ length: DEFAULT_ATTENTION.seq }, (_, l) =>
      Array.from({ length: DEFAULT_ATTENTION.dim }, (_, d) =>
        BigInt(((l * 7 + d * 3 + seed) % 17) * 16 - 128),
      ),
    ),
  };
}

async function setup(circuit: string) {
  const artifacts = circuitArtifacts(circuit);
  const pk = parseZkey(new Uint8Array(readFileSync(artifacts.zkey)));
  const calc = await loadWitnessCalculator(artifacts.wasm);
  const witnessOf = async (seed: number) => wtnsValues(await calc.wtns(inputFor(circuit, seed)), pk.nVars);
  const check = async (seed: number, result: Awaited<ReturnType<typeof groth16Prove>>): Promise<void> => {
    const reference = await calc.witness(inputFor(circuit, seed));
    expect(result.publicSignals, `${circuit} #${seed}`).toEqual(
      reference.slice(1, 1 + pk.nPublic).map(String),
    );
    expect(
      await snarkjs.groth16.verify(artifacts.verificationKey, result.publicSignals, result.proof),
      `${circuit} #${seed}`,
    ).toBe(true);
  };
  return { pk, witnessOf, check };
}

afterAll(() => releaseBn128());

describe("concurrent Groth16 proofs in one process", () => {
  it("prove the same circuit and different circuits at once, each verifying", async () => {
    const classifier = await setup("classifier");
    const b8 = await setup("classifier_b8");
    const attention = await setup("attention");
    // More proofs of one key than memories kept idle for it (2), twice over so the second round
    // runs on reused memories, interleaved with other keys' proofs.
    for (const round of [0, 1]) {
      const seeds = [1, 2, 3, 4].map((s) => s + 10 * round);
      const jobs = [
        ...seeds.map(async (s) => ({
          c: classifier,
          s,
          r: await groth16Prove(classifier.pk, await classifier.witnessOf(s)),
        })),
        (async () => ({
          c: b8,
          s: seeds[0] as number,
          r: await groth16Prove(b8.pk, await b8.witnessOf(seeds[0] as number)),
        }))(),
        (async () => ({
          c: attention,
          s: seeds[1] as number,
          r: await groth16Prove(attention.pk, await attention.witnessOf(seeds[1] as number)),
        }))(),
      ];
      const done = await Promise.all(jobs);
      for (const { c, s, r } of done) await c.check(s, r);
    }
  }, 180_000);

  it("keeps proving correctly after a proof fails with its tasks still running", async () => {
    const classifier = await setup("classifier");
    const curve = await provingCurve();
    const original = curve.tm.queueAction.bind(curve.tm);
    // The first odd-coset transform fails: that proof rejects while its QAP's sibling transforms
    // and its witness multi-exponentiations are still queued or running on its memory.
    let failed = false;
    const spy = vi
      .spyOn(curve.tm, "queueAction")
      .mockImplementation((task: readonly TaskCommand[], transfers?: readonly ArrayBuffer[]) => {
        const isCoset = task.some((t) => t.cmd === "CALL" && t.fnName === "frm_darwinOddCoset");
        if (isCoset && !failed) {
          failed = true;
          return Promise.reject(new Error("injected task failure"));
        }
        return original(task, transfers);
      });
    try {
      const settled = await Promise.allSettled(
        [5, 6, 7].map(async (s) => ({
          s,
          r: await groth16Prove(classifier.pk, await classifier.witnessOf(s)),
        })),
      );
      expect(settled.filter((x) => x.status === "rejected")).toHaveLength(1);
      for (const x of settled) if (x.status === "fulfilled") await classifier.check(x.value.s, x.value.r);
    } finally {
      spy.mockRestore();
    }
    // Then the key's memories are reused: proofs at once and one after another all verify.
    const again = await Promise.all(
      [8, 9].map(async (s) => ({ s, r: await groth16Prove(classifier.pk, await classifier.witnessOf(s)) })),
    );
    for (const { s, r } of again) await classifier.check(s, r);
    const last = await groth16Prove(classifier.pk, await classifier.witnessOf(10));
    await classifier.check(10, last);
  }, 120_000);

  it("gives each of an engine's concurrent proofs of one circuit its own input's witness", async () => {
    // circom_runtime reads a witness back from its wasm instance after an await: two calculations
    // in flight on one calculator read whichever ran last, and the proof is of the other input.
    const engine = createGroth16Engine();
    const artifacts = circuitArtifacts("classifier");
    const calc = await loadWitnessCalculator(artifacts.wasm);
    try {
      const seeds = [11, 12, 13];
      const results = await Promise.all(
        seeds.map((s) => engine.prove("classifier", inputFor("classifier", s))),
      );
      for (const [k, { bundle }] of results.entries()) {
        const reference = await calc.witness(inputFor("classifier", seeds[k] as number));
        expect(bundle.publicSignals, `seed ${seeds[k]}`).toEqual(
          reference.slice(1, 1 + bundle.publicSignals.length).map(String),
        );
        expect(await engine.verify(bundle)).toBe(true);
      }
      const witnesses = await Promise.all(seeds.map((s) => calc.witness(inputFor("classifier", s))));
      for (const [k, w] of witnesses.entries())
        expect(w).toEqual(await calc.witness(inputFor("classifier", seeds[k] as number)));
    } finally {
      await engine.close();
    }
  }, 120_000);
});
