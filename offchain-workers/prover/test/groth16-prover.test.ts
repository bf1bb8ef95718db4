// Darwin's Groth16 prover (groth16-prover.ts): its proofs verify with snarkjs for every committed
// circuit, carry fresh blinding each time, and fail verification when tampered with; malformed
// keys and witnesses get a typed error; scalars are classed by width as the MSM split assumes.

import { readFileSync } from "node:fs";
import {
  CIRCUITS,
  CLASSIFIER_PRIVATE_MODE,
  circuitArtifacts,
  classifierInput,
  DEFAULT_ATTENTION,
  defaultClassifierMlp,
  loadWitnessCalculator,
} from "@darwin/circuits";
import { classifierTestSet, quantizeInput } from "@darwin/models";
import { buildBn128 } from "ffjavascript";
import * as snarkjs from "snarkjs";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createGroth16Engine } from "../src/groth16.ts";
import {
  groth16Prove,
  parseZkey,
  provingCurve,
  releaseBn128,
  widthClasses,
  wtnsValues,
  ZkeyFormatError,
} from "../src/groth16-prover.ts";

const test = classifierTestSet();
const pixels = (i: number): bigint[] =>
  Array.from(quantizeInput(test.inputs.subarray(i * 49, (i + 1) * 49)), BigInt);
const mlp = defaultClassifierMlp();

function inputFor(circuit: string, seed: number): Record<string, unknown> {
  switch (circuit) {
    case "classifier":
    case "classifier_public":
      return { x: [pixels(seed)] };
    case "classifier_private":
      return classifierInput(mlp, CLASSIFIER_PRIVATE_MODE, [pixels(seed)]);
    case "classifier_b8":
      return { x: Array.from({ length: 8 }, (_, i) => pixels(seed + i)) };
    case "classifier_b32":
      return { x: Array.from({ length: 32 }, (_, i) => pixels(seed + i)) };
    case "attention":
      return {
        x: Array.from({ length: DEFAULT_ATTENTION.seq }, (_, l) =>
          Array.from({ length: DEFAULT_ATTENTION.dim }, (_, d) =>
            BigInt(((l * 7 + d * 3 + seed) % 17) * 16 - 128),
          ),
        ),
      };
    default:
      throw new Error(`no input for ${circuit}`);
  }
}

afterAll(() => releaseBn128());

describe("Groth16 prover", () => {
  it("proves every committed circuit so that snarkjs verifies, with fresh blinding per proof", async () => {
    expect(CIRCUITS.map((c) => c.name)).toEqual(
      expect.arrayContaining(["classifier", "classifier_b32", "classifier_private", "attention"]),
    );
    for (const { name } of CIRCUITS) {
      const artifacts = circuitArtifacts(name);
      const pk = parseZkey(new Uint8Array(readFileSync(artifacts.zkey)));
      const calc = await loadWitnessCalculator(artifacts.wasm);
      const witness = wtnsValues(await calc.wtns(inputFor(name, 3)), pk.nVars);
      const a = await groth16Prove(pk, witness);
      expect(await snarkjs.groth16.verify(artifacts.verificationKey, a.publicSignals, a.proof), name).toBe(
        true,
      );
      // The public signals are the witness's, as snarkjs reads them.
      const reference = await calc.witness(inputFor(name, 3));
      expect(a.publicSignals, name).toEqual(reference.slice(1, 1 + pk.nPublic).map(String));
      if (name === "classifier") {
        const b = await groth16Prove(pk, witness);
        expect(b.proof.pi_a).not.toEqual(a.proof.pi_a);
        expect(await snarkjs.groth16.verify(artifacts.verificationKey, b.publicSignals, b.proof)).toBe(true);
        const tampered = { ...a.proof, pi_c: b.proof.pi_c };
        expect(await snarkjs.groth16.verify(artifacts.verificationKey, a.publicSignals, tampered)).toBe(
          false,
        );
        const other = [(BigInt(a.publicSignals[0] as string) + 1n).toString()];
        expect(await snarkjs.groth16.verify(artifacts.verificationKey, other, a.proof)).toBe(false);
      }
    }
  }, 120_000);

  it("refuses malformed keys and witnesses with ZkeyFormatError", async () => {
    const artifacts = circuitArtifacts("classifier");
    const zkey = new Uint8Array(readFileSync(artifacts.zkey));
    expect(() => parseZkey(new Uint8Array(16))).toThrow(ZkeyFormatError);
    expect(() => parseZkey(zkey.subarray(0, zkey.length - 100))).toThrow(/runs past the end/);
    const pk = parseZkey(zkey);
    const calc = await loadWitnessCalculator(artifacts.wasm);
    const wtns = await calc.wtns(inputFor("classifier", 1));
    expect(() => wtnsValues(wtns, pk.nVars + 1)).toThrow(ZkeyFormatError);
    await expect(groth16Prove(pk, new Uint8Array(32 * (pk.nVars - 1)))).rejects.toThrow(ZkeyFormatError);
  });
});

describe("the process's curve", () => {
  it("is rebuilt for an engine whose sibling released it", async () => {
    const a = createGroth16Engine();
    const b = createGroth16Engine();
    const x = [pixels(4)];
    await a.prove("classifier", { x });
    await b.prove("classifier", { x });
    await a.close();
    // b held no curve of its own: its next proof builds a fresh one instead of waiting on the old.
    const { bundle } = await b.prove("classifier", { x });
    expect(await b.verify(bundle)).toBe(true);
    await b.close();
  }, 60_000);
});

describe("the proving curve", () => {
  it("replaces a cached curve built without the prover's wasm (snarkjs first) and releases both", async () => {
    await releaseBn128();
    // What snarkjs does: ffjavascript's plain curve, cached for the process.
    const plain = await buildBn128();
    const terminate = vi.spyOn(plain, "terminate");
    const artifacts = circuitArtifacts("classifier");
    const pk = parseZkey(new Uint8Array(readFileSync(artifacts.zkey)));
    const calc = await loadWitnessCalculator(artifacts.wasm);
    const witness = wtnsValues(await calc.wtns(inputFor("classifier", 5)), pk.nVars);
    const { proof, publicSignals } = await groth16Prove(pk, witness);
    const ours = await provingCurve();
    expect(ours).not.toBe(plain);
    expect((globalThis as { curve_bn128?: unknown }).curve_bn128).toBe(ours);
    // snarkjs now verifies on the prover's curve (a superset of the plain one).
    expect(await snarkjs.groth16.verify(artifacts.verificationKey, publicSignals, proof)).toBe(true);
    await releaseBn128();
    expect(terminate).toHaveBeenCalledTimes(1);
  }, 60_000);
});

describe("zkey checks", () => {
  it("refuses a key whose coefficients point outside its matrices, constraints or signals", () => {
    const zkey = new Uint8Array(readFileSync(circuitArtifacts("classifier").zkey));
    const pk = parseZkey(zkey);
    // Find the coefficients section (type 4) and corrupt its first record's matrix index.
    const view = new DataView(zkey.buffer, zkey.byteOffset, zkey.byteLength);
    let at = 12;
    while (view.getUint32(at, true) !== 4) at += 12 + Number(view.getBigUint64(at + 4, true));
    const first = at + 12 + 4;
    for (const [offset, value] of [
      [0, 2],
      [4, pk.domainSize],
      [8, pk.nVars],
    ] as const) {
      const bad = zkey.slice();
      new DataView(bad.buffer).setUint32(first + offset, value, true);
      expect(() => parseZkey(bad)).toThrow(ZkeyFormatError);
    }
  });
});

describe("zkey domain checks", () => {
  it("refuses a domain size the H points do not match, or beyond bn128's roots, before sizing anything by it", () => {
    const zkey = new Uint8Array(readFileSync(circuitArtifacts("classifier").zkey));
    const view = new DataView(zkey.buffer, zkey.byteOffset, zkey.byteLength);
    let at = 12;
    while (view.getUint32(at, true) !== 2) at += 12 + Number(view.getBigUint64(at + 4, true));
    // Groth16 header: n8q, q, n8r, r, nVars, nPublic, domainSize.
    const domainAt = at + 12 + 4 + 32 + 4 + 32 + 8;
    const pk = parseZkey(zkey);
    expect(view.getUint32(domainAt, true)).toBe(pk.domainSize);
    for (const [domain, message] of [
      [pk.domainSize * 2, /H points/],
      [2 ** 29, /beyond bn128's roots of unity/],
      [2 ** 31, /beyond bn128's roots of unity/],
    ] as const) {
      const bad = zkey.slice();
      new DataView(bad.buffer).setUint32(domainAt, domain, true);
      // Refused from the header, before a 2^29-entry table is allocated and walked.
      expect(() => parseZkey(bad)).toThrow(ZkeyFormatError);
      expect(() => parseZkey(bad)).toThrow(message);
    }
  });
});

describe("widthClasses", () => {
  it("classes 32-byte little-endian scalars by the bytes they need", () => {
    const scalar = (bytes: number[]): Uint8Array => {
      const s = new Uint8Array(32);
      s.set(bytes);
      return s;
    };
    const top = (byte: number) => scalar([...Array.from({ length: byte }, () => 0), 1]);
    const all = [
      scalar([]),
      scalar([1]),
      scalar([255]),
      top(1),
      top(2),
      top(3),
      top(4),
      top(7),
      top(8),
      top(15),
      top(16),
      top(31),
    ];
    const packed = new Uint8Array(all.length * 32);
    all.forEach((s, i) => {
      packed.set(s, i * 32);
    });
    // WIDTHS = 1, 2, 4, 8, 16, 32 bytes.
    expect([...widthClasses(packed)]).toEqual([-1, 0, 0, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });
});
