import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import {
  defaultLm,
  initLm,
  LM_INPUT_NAME,
  LM_OUTPUT_NAME,
  type LmWeights,
  lmForward,
  lmLossAndGrad,
  paramList,
  paramsOf,
  readArtifact,
  readManifest,
} from "../src/index.ts";

const manifest = readManifest("darwin-tiny-lm");
const V = 256;

function tokens(text: string): ort.Tensor {
  const bytes = new TextEncoder().encode(text);
  return new ort.Tensor(
    "int64",
    BigInt64Array.from(bytes, (b) => BigInt(b)),
    [1, bytes.length],
  );
}

async function session(file: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(readArtifact(`darwin-tiny-lm/${file}`));
}

describe("tiny transformer LM", () => {
  let whole: ort.InferenceSession;
  let stages: { name: string; input: string; output: string; session: ort.InferenceSession }[];
  beforeAll(async () => {
    whole = await session(manifest.model.file);
    stages = [];
    for (const stage of manifest.stages ?? []) {
      stages.push({
        name: stage.name,
        input: stage.inputs[0]?.name ?? "",
        output: stage.outputs[0]?.name ?? "",
        session: await session(stage.file),
      });
    }
  });

  it("has an embedding, one stage per block and a head", () => {
    expect(stages.map((s) => s.name)).toEqual(["embedding", "block0", "block1", "head"]);
  });

  it("gives the same logits when its per-layer sub-graphs are chained as the whole graph", async () => {
    for (const text of ["The node checks the block.", "a", "Darwin is a chain for answers. A"]) {
      const input = tokens(text);
      const expected = (await whole.run({ [LM_INPUT_NAME]: input }))[LM_OUTPUT_NAME];
      let carried: ort.Tensor = input;
      let carriedName = LM_INPUT_NAME;
      for (const stage of stages) {
        expect(stage.input).toBe(carriedName);
        const out = (await stage.session.run({ [stage.input]: carried }))[stage.output];
        if (!out) throw new Error(`stage ${stage.name} gave no ${stage.output}`);
        carried = out;
        carriedName = stage.output;
      }
      expect(carriedName).toBe(LM_OUTPUT_NAME);
      expect(carried.dims).toEqual(expected?.dims);
      const a = carried.data as Float32Array;
      const b = expected?.data as Float32Array;
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++)
        maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b[i] as number)));
      expect(maxDiff).toBeLessThanOrEqual(1e-5);
    }
  });

  describe("against the TypeScript reference", () => {
    let weights: LmWeights;
    beforeAll(() => {
      weights = defaultLm().weights;
    });

    it("matches ORT logits on fixed inputs, batched and causal", async () => {
      const texts = ["The user asks and the node", "0123456789abcdefghijklmnopqrstuv"];
      const bytes = texts.map((t) => Array.from(new TextEncoder().encode(t)).slice(0, 26));
      const batch = BigInt64Array.from(bytes.flat(), (b) => BigInt(b));
      const out = (await whole.run({ [LM_INPUT_NAME]: new ort.Tensor("int64", batch, [2, 26]) }))[
        LM_OUTPUT_NAME
      ];
      expect(out?.dims).toEqual([2, 26, V]);
      const data = out?.data as Float32Array;
      bytes.forEach((seq, b) => {
        const ref = lmForward(weights, seq);
        for (let i = 0; i < ref.length; i++) {
          expect(Math.abs((ref[i] as number) - (data[b * 26 * V + i] as number))).toBeLessThan(1e-3);
        }
        // Causality: the logits of a prefix do not depend on what follows it.
        const prefix = lmForward(weights, seq.slice(0, 10));
        for (let i = 0; i < prefix.length; i++) expect(prefix[i]).toBeCloseTo(ref[i] as number, 9);
      });
    });

    it("learnt something from the corpus: loss fell well below uniform", () => {
      const training = manifest.training as { lossBeforeNats: number; lossAfterNats: number };
      expect(training.lossAfterNats).toBeLessThan(Math.log(V) * 0.45);
      expect(training.lossAfterNats).toBeLessThan(training.lossBeforeNats);
      // The reference forward pass agrees with the training code's loss on the committed weights.
      const text = Array.from(new TextEncoder().encode("The node checks every block it is"));
      const logits = lmForward(weights, text.slice(0, 32));
      let loss = 0;
      for (let t = 0; t < 32; t++) {
        const row = logits.subarray(t * V, (t + 1) * V);
        const max = Math.max(...row);
        loss +=
          Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0)) +
          max -
          (row[text[t + 1] as number] as number);
      }
      expect(lmLossAndGrad(paramsOf(weights), text)).toBeCloseTo(loss / 32, 9);
    });
  });

  it("refuses sequences longer than its context with an ORT error, not a wrong answer", async () => {
    const context = manifest.inputs[0]?.maxDims?.seq ?? 0;
    expect(context).toBe(32);
    await expect(whole.run({ [LM_INPUT_NAME]: tokens("x".repeat(context + 1)) })).rejects.toThrow();
  });

  it("trains with exact gradients (finite differences on a tiny configuration)", () => {
    const config = { vocab: 16, dModel: 8, heads: 2, layers: 2, context: 6, mlp: 8, seed: 3 };
    const params = paramsOf(initLm(config));
    const grads = paramsOf(initLm(config));
    for (const g of paramList(grads)) g.fill(0);
    const seq = [1, 5, 3, 9, 2, 7, 4];
    lmLossAndGrad(params, seq, grads);
    const p = paramList(params);
    const g = paramList(grads);
    let checked = 0;
    for (let k = 0; k < p.length; k++) {
      const arr = p[k] as Float64Array;
      for (let n = 0; n < 3; n++) {
        const i = (n * 7919 + k) % arr.length;
        const old = arr[i] as number;
        arr[i] = old + 1e-5;
        const up = lmLossAndGrad(params, seq);
        arr[i] = old - 1e-5;
        const down = lmLossAndGrad(params, seq);
        arr[i] = old;
        const numeric = (up - down) / 2e-5;
        const analytic = (g[k] as Float64Array)[i] as number;
        expect(Math.abs(numeric - analytic)).toBeLessThan(1e-6 + 1e-4 * Math.abs(numeric));
        checked++;
      }
    }
    expect(checked).toBe(p.length * 3);
  });
});
