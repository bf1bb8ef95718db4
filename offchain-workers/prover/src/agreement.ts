// The agreement check: the circuit's outputs against onnxruntime's on a held-out set, within the
// stated quantization error bound of the model compiler.
import { fromField, type QuantizedMlp } from "@darwin/circuits";
import * as ort from "onnxruntime-node";
import { type FloatMlp, quantizationErrorBound, quantizeInputs } from "./compiler.ts";
import type { Groth16Engine } from "./groth16.ts";

export interface HeldOutSet {
  /** Row-major `[count, inputs]` reals. */
  readonly inputs: Float32Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

export interface AgreementReport {
  readonly samples: number;
  /** Share of samples whose circuit label equals onnxruntime's argmax. */
  readonly labelAgreement: number;
  /** Largest |circuit logit / 2^s - onnxruntime logit| seen. */
  readonly maxAbsError: number;
  /** The compiler's bound over every admissible input (loose). */
  readonly worstCaseBound: number;
  /** The largest per-sample bound (each sample is checked against its own). */
  readonly maxSampleBound: number;
  /** Samples whose every logit is within that sample's bound (should be all). */
  readonly withinBound: number;
  readonly onnxAccuracy: number;
  readonly circuitAccuracy: number;
}

/**
 * Runs every sample through onnxruntime (float32) and through the circuit's witness generator
 * (`circuit` must have public logits and label: classifier_public), and compares.
 */
export async function checkAgreement(opts: {
  readonly onnx: Uint8Array;
  readonly float: FloatMlp;
  readonly mlp: QuantizedMlp;
  readonly data: HeldOutSet;
  readonly engine: Groth16Engine;
  readonly circuit?: string;
  readonly limit?: number;
}): Promise<AgreementReport> {
  const { float, mlp, data, engine } = opts;
  const circuit = opts.circuit ?? "classifier_public";
  const n = Math.min(data.count, opts.limit ?? data.count);
  const width = float.inputs;
  const outputs = float.layers[float.layers.length - 1]?.w.length ?? 0;
  const session = await ort.InferenceSession.create(opts.onnx, { intraOpNumThreads: 1 });
  let onnxLogits: Float32Array;
  try {
    const feeds = {
      [float.inputName]: new ort.Tensor("float32", data.inputs.slice(0, n * width), [n, width]),
    };
    const result = await session.run(feeds);
    onnxLogits = (result[float.outputName] as ort.Tensor).data as Float32Array;
  } finally {
    await session.release();
  }
  const worstCaseBound = quantizationErrorBound(float, mlp);
  let maxSampleBound = 0;
  const scale = 2 ** mlp.scaleBits;
  let agree = 0;
  let within = 0;
  let maxErr = 0;
  let onnxCorrect = 0;
  let circuitCorrect = 0;
  for (let s = 0; s < n; s++) {
    const pixels = data.inputs.subarray(s * width, (s + 1) * width);
    const x = quantizeInputs(pixels, mlp.scaleBits);
    const bound = quantizationErrorBound(float, mlp, pixels);
    maxSampleBound = Math.max(maxSampleBound, bound);
    const w = await engine.witness(circuit, { x: [x] });
    // Public outputs come first in the witness: logits[0][0..outputs), then label[0].
    const logits = Array.from({ length: outputs }, (_, o) => Number(fromField(w[1 + o] as bigint)) / scale);
    const label = Number(w[1 + outputs]);
    const ref = onnxLogits.subarray(s * outputs, (s + 1) * outputs);
    let refLabel = 0;
    let sampleErr = 0;
    for (let o = 0; o < outputs; o++) {
      if ((ref[o] as number) > (ref[refLabel] as number)) refLabel = o;
      sampleErr = Math.max(sampleErr, Math.abs((logits[o] as number) - (ref[o] as number)));
    }
    maxErr = Math.max(maxErr, sampleErr);
    if (sampleErr <= bound) within++;
    if (label === refLabel) agree++;
    if (refLabel === data.labels[s]) onnxCorrect++;
    if (label === data.labels[s]) circuitCorrect++;
  }
  return {
    samples: n,
    labelAgreement: agree / n,
    maxAbsError: maxErr,
    worstCaseBound,
    maxSampleBound,
    withinBound: within,
    onnxAccuracy: onnxCorrect / n,
    circuitAccuracy: circuitCorrect / n,
  };
}
