// The generated model circuits against their references: the committed witness generators of the
// default classifier (every proof mode) and of the attention block, and the MLP generator on a
// deterministic 3-layer MLP of another shape (compiled here).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { classifierTestSet, quantizeInput } from "@darwin/models";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  attentionForward,
  attentionIoElements,
  attentionOutputFixed,
  attentionWeights,
  DEFAULT_ATTENTION,
} from "../src/attention.ts";
import { CIRCUITS, generatedDir } from "../src/catalog.ts";
import { circuitsRoot, compileCircuit, loadWitnessCalculator, WitnessError } from "../src/circom.ts";
import { CLASSIFIER_PRIVATE_MODE, CLASSIFIER_WEIGHT_CLASS, defaultClassifierMlp } from "../src/classifier.ts";
import { FixedPointRangeError, fromField } from "../src/fixed.ts";
import {
  analyzeMlp,
  answerFromAccumulators,
  classifierAnalysis,
  classifierInput,
  generateClassifierCircuit,
  ioElements,
  MlpShapeError,
  mlpForward,
  type QuantizedMlp,
  weightElements,
} from "../src/mlp.ts";
import { type PoseidonHasher, poseidonHasher } from "../src/poseidon.ts";
import { circuitArtifacts } from "../src/setup.ts";

const mlp = defaultClassifierMlp();
const analysis = analyzeMlp(mlp);
const test = classifierTestSet();
const sample = (i: number): bigint[] =>
  Array.from(quantizeInput(test.inputs.subarray(i * 49, (i + 1) * 49)), BigInt);
let poseidon: PoseidonHasher;

beforeAll(async () => {
  vi.spyOn(console, "error").mockImplementation(() => {});
  poseidon = await poseidonHasher();
});

describe("generated sources", () => {
  it.each(CIRCUITS.map((c) => c.name))("generated/%s.circom is what the catalog generates", (name) => {
    const spec = CIRCUITS.find((c) => c.name === name);
    expect(readFileSync(join(generatedDir, `${name}.circom`), "utf8")).toBe(spec?.source());
  });
});

describe("default classifier, public io", () => {
  it("logits and label equal the integer reference on held-out digits", async () => {
    const calc = await loadWitnessCalculator(circuitArtifacts("classifier_public").wasm);
    for (const i of [0, 1, 17, 399, 1200]) {
      const x = sample(i);
      const ref = mlpForward(mlp, analysis, x);
      const w = await calc.witness(
        classifierInput(mlp, { batch: 1, io: "public", weights: "constant" }, [x]),
      );
      expect(w.slice(1, 11).map(fromField)).toEqual(ref.logits);
      expect(Number(w[11])).toBe(ref.label);
    }
  });
  it("has no witness for a pixel above 256 or a wrong-length input", async () => {
    const calc = await loadWitnessCalculator(circuitArtifacts("classifier_public").wasm);
    const x = sample(3);
    x[10] = 257n;
    await expect(calc.witness({ x: [x] })).rejects.toThrow();
    await expect(calc.witness({ x: [sample(3).slice(1)] })).rejects.toThrow();
  });
});

describe("default classifier, committed io", () => {
  it("ioHash is the Poseidon chain of the packed inputs, logits and label", async () => {
    const calc = await loadWitnessCalculator(circuitArtifacts("classifier").wasm);
    const x = sample(42);
    const ref = mlpForward(mlp, analysis, x);
    const w = await calc.witness({ x: [x] });
    expect(w[1]).toBe(poseidon.chain(ioElements(mlp, analysis, x, ref)));
  });
  it("accepts a pixel of 256 and rejects 257 (no witness): committed inputs are range-checked", async () => {
    const calc = await loadWitnessCalculator(circuitArtifacts("classifier").wasm);
    const x = sample(42);
    x[0] = 256n;
    const ref = mlpForward(mlp, analysis, x);
    expect((await calc.witness({ x: [x] }))[1]).toBe(poseidon.chain(ioElements(mlp, analysis, x, ref)));
    x[0] = 257n;
    expect(() => mlpForward(mlp, analysis, x)).toThrow(FixedPointRangeError);
    await expect(calc.witness({ x: [x] })).rejects.toThrow(WitnessError);
  });
  it("binds the raw output accumulators, from which logits and label follow exactly", async () => {
    for (const i of [0, 3, 99, 512, 1999]) {
      const t = mlpForward(mlp, analysis, sample(i));
      const derived = answerFromAccumulators(mlp, analysis, t.outputAcc);
      expect(derived.logits).toEqual(t.logits);
      expect(derived.label).toBe(t.label);
    }
    const t = mlpForward(mlp, analysis, sample(5));
    const other = [...t.outputAcc];
    other[0] = (other[0] as bigint) + 1n;
    expect(poseidon.chain(ioElements(mlp, analysis, sample(5), { outputAcc: other }))).not.toBe(
      poseidon.chain(ioElements(mlp, analysis, sample(5), t)),
    );
  });
  it("has a witness at every neuron's extreme (the per-neuron widths come from the weights)", async () => {
    const calc = await loadWitnessCalculator(circuitArtifacts("classifier").wasm);
    const hidden = mlp.layers[0]?.w ?? [];
    for (const row of hidden.slice(0, 4)) {
      for (const sign of [1n, -1n]) {
        // Pixels at 256 where the weight pushes the neuron towards its bound, 0 elsewhere.
        const x = row.map((w) => (w * sign > 0n ? 256n : 0n));
        const ref = mlpForward(mlp, analysis, x);
        const w = await calc.witness({ x: [x] });
        expect(w[1]).toBe(poseidon.chain(ioElements(mlp, analysis, x, ref)));
      }
    }
  });
});

describe("default classifier, private weights", () => {
  const privateAnalysis = classifierAnalysis(mlp, CLASSIFIER_PRIVATE_MODE);
  // Weights of the class that are nothing like the default classifier's: per layer, every weight and
  // bias at one end of the class (the hidden layer positive, so that the output layer sees the
  // largest activations).
  const end = (bits: number, sign: bigint) =>
    sign > 0n ? (1n << BigInt(bits - 1)) - 1n : -(1n << BigInt(bits - 1));
  const extreme = (outputSign: 1n | -1n): QuantizedMlp => ({
    ...mlp,
    layers: mlp.layers.map((l, i) => {
      const sign = i === 0 ? 1n : outputSign;
      return {
        ...l,
        w: l.w.map((r) => r.map(() => end(CLASSIFIER_WEIGHT_CLASS.weightBits, sign))),
        b: l.b.map(() => end(CLASSIFIER_WEIGHT_CLASS.biasBits, sign)),
      };
    }),
  });

  it("publishes the Poseidon hash of the bit-packed weights and the io hash", async () => {
    const calc = await loadWitnessCalculator(circuitArtifacts("classifier_private").wasm);
    const x = sample(7);
    const ref = mlpForward(mlp, privateAnalysis, x);
    const w = await calc.witness(classifierInput(mlp, CLASSIFIER_PRIVATE_MODE, [x]));
    expect(w[1]).toBe(poseidon.chain(weightElements(mlp, privateAnalysis)));
    expect(w[2]).toBe(poseidon.chain(ioElements(mlp, privateAnalysis, x, ref)));
    // The trace does not depend on which analysis's (wider) widths check it.
    expect(ref.outputAcc).toEqual(mlpForward(mlp, analysis, x).outputAcc);
  });

  it("different weights give a different weights hash", async () => {
    const calc = await loadWitnessCalculator(circuitArtifacts("classifier_private").wasm);
    const other: QuantizedMlp = {
      ...mlp,
      layers: mlp.layers.map((l, i) =>
        i === 0 ? { ...l, b: l.b.map((b, j) => (j === 0 ? b + 1n : b)) } : l,
      ),
    };
    const w = await calc.witness(classifierInput(other, CLASSIFIER_PRIVATE_MODE, [sample(7)]));
    expect(w[1]).not.toBe(poseidon.chain(weightElements(mlp, privateAnalysis)));
    expect(w[1]).toBe(
      poseidon.chain(weightElements(other, classifierAnalysis(other, CLASSIFIER_PRIVATE_MODE))),
    );
  });

  it("is generated from the shapes and the weight class only, so it reveals nothing else of the weights", () => {
    const lib = "../lib/specter.circom";
    const source = generateClassifierCircuit(mlp, CLASSIFIER_PRIVATE_MODE, lib);
    for (const other of [extreme(1n), extreme(-1n)]) {
      expect(generateClassifierCircuit(other, CLASSIFIER_PRIVATE_MODE, lib)).toBe(source);
      // Weights compiled in are another matter: there the circuit is the commitment.
      const constant = { batch: 1, io: "committed", weights: "constant" } as const;
      expect(generateClassifierCircuit(other, constant, lib)).not.toBe(
        generateClassifierCircuit(mlp, constant, lib),
      );
    }
    // The committed circuit is this source.
    const committed = CIRCUITS.find((c) => c.name === "classifier_private");
    expect(committed?.source()).toBe(source);
    expect(readFileSync(join(generatedDir, "classifier_private.circom"), "utf8")).toBe(source);
  });

  it("proves any weights of the class at the inputs that push them to their bounds", async () => {
    const calc = await loadWitnessCalculator(circuitArtifacts("classifier_private").wasm);
    for (const sign of [1n, -1n] as const) {
      const other = extreme(sign);
      const otherAnalysis = classifierAnalysis(other, CLASSIFIER_PRIVATE_MODE);
      for (const x of [Array.from({ length: 49 }, () => 256n), Array.from({ length: 49 }, () => 0n)]) {
        const ref = mlpForward(other, otherAnalysis, x);
        const w = await calc.witness(classifierInput(other, CLASSIFIER_PRIVATE_MODE, [x]));
        expect(w[1]).toBe(poseidon.chain(weightElements(other, otherAnalysis)));
        expect(w[2]).toBe(poseidon.chain(ioElements(other, otherAnalysis, x, ref)));
      }
    }
  });

  it("refuses weights outside the class with a clear error", () => {
    const heavy: QuantizedMlp = {
      ...mlp,
      layers: mlp.layers.map((l, i) =>
        i === 1 ? { ...l, w: l.w.map((r, j) => (j === 0 ? [1024n, ...r.slice(1)] : r)) } : l,
      ),
    };
    expect(() => classifierInput(heavy, CLASSIFIER_PRIVATE_MODE, [sample(1)])).toThrow(MlpShapeError);
    expect(() => classifierInput(heavy, CLASSIFIER_PRIVATE_MODE, [sample(1)])).toThrow(/outside the class/);
    expect(() => classifierAnalysis(mlp, { batch: 1, io: "committed", weights: "committed" })).toThrow(
      /weight class/,
    );
  });
});

describe("default classifier, batch of 8", () => {
  it("ioHash chains the 8 inferences in order", async () => {
    const calc = await loadWitnessCalculator(circuitArtifacts("classifier_b8").wasm);
    const xs = Array.from({ length: 8 }, (_, i) => sample(100 + i));
    const w = await calc.witness({ x: xs });
    const elems = xs.flatMap((x) => ioElements(mlp, analysis, x, mlpForward(mlp, analysis, x)));
    expect(w[1]).toBe(poseidon.chain(elems));
  });
});

describe("attention block", () => {
  const weights = attentionWeights();
  const { seq, dim, inputBits } = DEFAULT_ATTENTION;
  const top = 1n << BigInt(inputBits - 1);
  const input = (f: (l: number, j: number) => bigint): bigint[][] =>
    Array.from({ length: seq }, (_, l) => Array.from({ length: dim }, (_, j) => f(l, j)));
  it.each([
    ["a mixed input", input((l, j) => BigInt(((l * 37 + j * 11) % 97) - 48) * 5n)],
    ["all at the lowest input", input(() => -top)],
    ["all at the highest input", input(() => top - 1n)],
    ["alternating extremes", input((l, j) => ((l + j) % 2 === 1 ? top - 1n : -top))],
    ["zeros (every score ties)", input(() => 0n)],
  ])("ioHash binds the input and the reference output: %s", async (_, x) => {
    const y = attentionForward(weights, x);
    const calc = await loadWitnessCalculator(circuitArtifacts("attention").wasm);
    const w = await calc.witness({ x });
    expect(w[1]).toBe(poseidon.chain(attentionIoElements(weights, x, y)));
  });
  it("rejects an input outside its signed bits (no witness)", async () => {
    const x = input(() => 0n);
    (x[2] as bigint[])[5] = top;
    expect(() => attentionForward(weights, x)).toThrow(FixedPointRangeError);
    const calc = await loadWitnessCalculator(circuitArtifacts("attention").wasm);
    await expect(calc.witness({ x })).rejects.toThrow(WitnessError);
  });
  it("approximates float attention (softmax, no quantisation) to within 0.05 on a larger input", () => {
    const x = input((l, j) => BigInt(((l * 53 + j * 29) % 1024) - 512));
    const y = attentionOutputFixed(weights, attentionForward(weights, x));
    const real = (m: readonly (readonly bigint[])[]): number[][] =>
      m.map((r) => r.map((v) => Number(v) / 256));
    const xf = real(x);
    const proj = (a: number[][], w: readonly (readonly bigint[])[]): number[][] =>
      a.map((r) => real(w).map((row) => row.reduce((acc, wv, i) => acc + wv * (r[i] as number), 0)));
    const q = proj(xf, weights.wq);
    const k = proj(xf, weights.wk);
    const v = proj(xf, weights.wv);
    const p = q.map((qi) => {
      const s = k.map((kj) => qi.reduce((acc, a, t) => acc + a * (kj[t] as number), 0) / Math.sqrt(dim));
      const m = Math.max(...s);
      const e = s.map((z) => Math.exp(z - m));
      const total = e.reduce((a, b) => a + b, 0);
      return e.map((z) => z / total);
    });
    const o = p.map((row) =>
      Array.from({ length: dim }, (_, m) =>
        row.reduce((acc, pj, j) => acc + pj * ((v[j] as number[])[m] as number), 0),
      ),
    );
    const yf = proj(o, weights.wo);
    yf.forEach((row, i) => {
      row.forEach((val, m) => {
        expect(Math.abs(val - Number((y[i] as bigint[])[m]) / 256)).toBeLessThan(0.05);
      });
    });
  });
});

describe("the MLP generator on another shape (deterministic 6 -> 5 -> 4 -> 3 MLP)", () => {
  // A fixed pseudo-random MLP: the generator takes any weight set.
  let seed = 12345;
  const rand = (lo: number, hi: number): bigint => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return BigInt(lo + (seed % (hi - lo + 1)));
  };
  const layer = (nIn: number, nOut: number, relu: boolean) => ({
    w: Array.from({ length: nOut }, () => Array.from({ length: nIn }, () => rand(-300, 300))),
    b: Array.from({ length: nOut }, () => rand(-40000, 40000)),
    relu,
  });
  const small: QuantizedMlp = {
    name: "test-mlp",
    scaleBits: 8,
    inputBits: 8,
    layers: [layer(6, 5, true), layer(5, 4, true), layer(4, 3, false)],
  };
  const smallAnalysis = analyzeMlp(small);

  it("compiles, and its witness equals mlpForward on random and extreme inputs", async () => {
    const dir = join(circuitsRoot, "build", "test");
    const source = join(dir, "mlp_small.circom");
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      source,
      generateClassifierCircuit(
        small,
        { batch: 2, io: "public", weights: "constant" },
        "../../lib/specter.circom",
      ),
    );
    const compiled = await compileCircuit(source, { outDir: dir });
    const calc = await loadWitnessCalculator(compiled.wasm);
    const inputs = [
      Array.from({ length: 6 }, () => 0n),
      Array.from({ length: 6 }, () => 255n),
      ...Array.from({ length: 6 }, () => Array.from({ length: 6 }, () => rand(0, 255))),
    ];
    for (let k = 0; k + 1 < inputs.length; k += 2) {
      const pair = [inputs[k] as bigint[], inputs[k + 1] as bigint[]];
      const w = await calc.witness({ x: pair });
      const refs = pair.map((x) => mlpForward(small, smallAnalysis, x));
      // Outputs: logits[2][3], then label[2].
      expect(w.slice(1, 7).map(fromField)).toEqual(refs.flatMap((r) => [...r.logits]));
      expect(w.slice(7, 9).map(Number)).toEqual(refs.map((r) => r.label));
    }
  });

  it("range-checks inputs against a bound that is neither 2^k nor 2^k - 1", async () => {
    // A model quantized with inputs in [0, 3] at scale 2^8: every input in [0, 768].
    const wide: QuantizedMlp = { ...small, name: "test-mlp-768", inputBits: 10, inputMax: 768n };
    const wideAnalysis = analyzeMlp(wide);
    const dir = join(circuitsRoot, "build", "test");
    const source = join(dir, "mlp_small_768.circom");
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(dir, { recursive: true });
    const text = generateClassifierCircuit(
      wide,
      { batch: 1, io: "public", weights: "constant" },
      "../../lib/specter.circom",
    );
    expect(text).toContain("UnsignedAtMost(10, 768)");
    writeFileSync(source, text);
    const calc = await loadWitnessCalculator((await compileCircuit(source, { outDir: dir })).wasm);
    const top = [768n, 0n, 767n, 768n, 1n, 768n];
    const w = await calc.witness({ x: [top] });
    expect(w.slice(1, 4).map(fromField)).toEqual([...mlpForward(wide, wideAnalysis, top).logits]);
    await expect(calc.witness({ x: [[769n, 0n, 0n, 0n, 0n, 0n]] })).rejects.toThrow(WitnessError);
  });
});
