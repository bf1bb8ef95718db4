// Quantized MLP classifiers: the integer model SPECTER proves, its bit-exact reference, the static
// range analysis that picks every range check's width, and the circom generator for each proof mode.
import {
  argmax,
  checkSigned,
  checkUpTo,
  dense,
  FixedPointRangeError,
  packedFieldCount,
  packFields,
  packSigned,
  rescale,
  signedBitsFor,
} from "./fixed.ts";

export interface QuantizedLayer {
  /** `[out][in]` at scale 2^scaleBits. */
  readonly w: readonly (readonly bigint[])[];
  /** At scale 2^(2 scaleBits): added straight into the accumulator. */
  readonly b: readonly bigint[];
  readonly relu: boolean;
}

export interface QuantizedMlp {
  readonly name: string;
  /** Inputs, weights and activations at scale 2^scaleBits; biases at 2^(2 scaleBits). */
  readonly scaleBits: number;
  /** Inputs are unsigned integers below 2^inputBits (their width in a packing). */
  readonly inputBits: number;
  /**
   * The largest admissible input (inclusive), default 2^inputBits - 1. Pixels in [0, 1] at scale 2^8
   * are 0..256: 9 bits wide but bounded by 256, which the circuit checks for the same 9 constraints
   * (UnsignedUpTo) and which halves every downstream bound compared with 511.
   */
  readonly inputMax?: bigint;
  readonly layers: readonly QuantizedLayer[];
}

export interface LayerRange {
  /** Signed width of the widest rescaled output of the layer (the argmax comparison width). */
  readonly outBits: number;
  readonly min: bigint;
  readonly max: bigint;
  /** Per neuron: signed width of its rescaled output, the width its Rescale range-checks. */
  readonly neuronBits: readonly number[];
  /** Per neuron: signed width of its raw accumulator (before the rescale). */
  readonly accBits: readonly number[];
}

export interface MlpAnalysis {
  readonly inputs: number;
  readonly outputs: number;
  /** The largest admissible input (inclusive). */
  readonly inputMax: bigint;
  readonly layers: readonly LayerRange[];
  /** Signed width of every weight (the bit-packing width of the weights commitment). */
  readonly weightBits: number;
  /** Signed width of every bias. */
  readonly biasBits: number;
}

export class MlpShapeError extends Error {
  readonly code = "MLP_SHAPE" as const;
  constructor(message: string) {
    super(message);
    this.name = "MlpShapeError";
  }
}

export function mlpInputMax(mlp: QuantizedMlp): bigint {
  const max = mlp.inputMax ?? (1n << BigInt(mlp.inputBits)) - 1n;
  if (max < 0n || max >= 1n << BigInt(mlp.inputBits))
    throw new MlpShapeError(`input bound ${max} does not fit ${mlp.inputBits} unsigned bits`);
  return max;
}

/**
 * The public format of private weights: every weight is a signed `weightBits`-bit integer and every
 * bias a signed `biasBits`-bit one. A private-weights circuit is generated from this and the shapes
 * only, so its constraints (and verifying key) say nothing about the weights beyond the class.
 */
export interface WeightClass {
  readonly weightBits: number;
  readonly biasBits: number;
}

const signedInterval = (bits: number): readonly [bigint, bigint] => [
  -(1n << BigInt(bits - 1)),
  (1n << BigInt(bits - 1)) - 1n,
];

/**
 * Checks shapes and computes, by interval arithmetic over every admissible input (each input in
 * [0, inputMax]), every neuron's range. Without `weightClass` the ranges come from the integer
 * weights themselves: each range check is as narrow as those weights allow (for weights compiled
 * into the circuit, which the verifying key reveals anyway). With `weightClass` they come from every
 * weight and bias the class admits, so they depend on the shapes and the class only (for private
 * weights); the MLP's own weights must then lie in the class.
 */
export function analyzeMlp(mlp: QuantizedMlp, weightClass?: WeightClass): MlpAnalysis {
  if (mlp.layers.length === 0) throw new MlpShapeError("an MLP needs at least one layer");
  const first = mlp.layers[0] as QuantizedLayer;
  let width = first.w[0]?.length ?? 0;
  const inputs = width;
  const inputMax = mlpInputMax(mlp);
  let lo: bigint[] = Array.from({ length: width }, () => 0n);
  let hi: bigint[] = Array.from({ length: width }, () => inputMax);
  const layers: LayerRange[] = [];
  const weightRange = weightClass ? signedInterval(weightClass.weightBits) : undefined;
  const biasRange = weightClass ? signedInterval(weightClass.biasBits) : undefined;
  let wMin = 0n;
  let wMax = 0n;
  let bMin = 0n;
  let bMax = 0n;
  mlp.layers.forEach((layer, l) => {
    if (layer.w.length === 0 || layer.b.length !== layer.w.length) {
      throw new MlpShapeError(`layer ${l}: ${layer.w.length} weight rows but ${layer.b.length} biases`);
    }
    const nextLo: bigint[] = [];
    const nextHi: bigint[] = [];
    const neuronBits: number[] = [];
    const accBits: number[] = [];
    let min = 0n;
    let max = 0n;
    layer.w.forEach((row, j) => {
      if (row.length !== width)
        throw new MlpShapeError(`layer ${l} row ${j}: ${row.length} weights, expected ${width}`);
      const b = layer.b[j] as bigint;
      if (b < bMin) bMin = b;
      if (b > bMax) bMax = b;
      let aLo = biasRange ? biasRange[0] : b;
      let aHi = biasRange ? biasRange[1] : b;
      row.forEach((w, i) => {
        if (w < wMin) wMin = w;
        if (w > wMax) wMax = w;
        const [wLo, wHi] = weightRange ?? [w, w];
        const xLo = lo[i] as bigint;
        const xHi = hi[i] as bigint;
        // The extremes of a product of intervals are among its corners (bigints: no Math.min/max).
        const corners = [wLo * xLo, wLo * xHi, wHi * xLo, wHi * xHi];
        let cLo = corners[0] as bigint;
        let cHi = cLo;
        for (const c of corners) {
          if (c < cLo) cLo = c;
          if (c > cHi) cHi = c;
        }
        aLo += cLo;
        aHi += cHi;
      });
      // The pre-activation quotients are what the neuron's Rescale range-checks.
      const qLo = aLo >> BigInt(mlp.scaleBits);
      const qHi = aHi >> BigInt(mlp.scaleBits);
      if (qLo < min) min = qLo;
      if (qHi > max) max = qHi;
      neuronBits.push(Math.max(signedBitsFor(qLo, qHi), 2));
      accBits.push(signedBitsFor(aLo, aHi));
      nextLo.push(layer.relu && qLo < 0n ? 0n : qLo);
      nextHi.push(layer.relu && qHi < 0n ? 0n : qHi);
    });
    layers.push({ outBits: Math.max(signedBitsFor(min, max), 5), min, max, neuronBits, accBits });
    lo = nextLo;
    hi = nextHi;
    width = layer.w.length;
  });
  const weightBits = signedBitsFor(wMin, wMax);
  const biasBits = signedBitsFor(bMin, bMax);
  if (weightClass && (weightBits > weightClass.weightBits || biasBits > weightClass.biasBits)) {
    throw new MlpShapeError(
      `${mlp.name}: weights need ${weightBits} signed bits and biases ${biasBits}, outside the class ` +
        `(${weightClass.weightBits}, ${weightClass.biasBits})`,
    );
  }
  return {
    inputs,
    outputs: width,
    inputMax,
    layers,
    weightBits: weightClass?.weightBits ?? weightBits,
    biasBits: weightClass?.biasBits ?? biasBits,
  };
}

/** The analysis a circuit of `mode` is generated from: the weights' own, or their class's if private. */
export function classifierAnalysis(mlp: QuantizedMlp, mode: ClassifierMode): MlpAnalysis {
  if (mode.weights === "constant") return analyzeMlp(mlp);
  if (!mode.weightClass)
    throw new MlpShapeError(`${mlp.name}: private weights need a weight class (ClassifierMode.weightClass)`);
  return analyzeMlp(mlp, mode.weightClass);
}

export interface MlpTrace {
  /** Rescaled (and ReLU'd where the layer says so) activations of every layer; the last is the logits. */
  readonly activations: readonly (readonly bigint[])[];
  /**
   * The last layer's raw accumulators (scale 2^(2s), before its rescale): what the io-committed
   * circuits bind. The logits and the label are functions of them (`answerFromAccumulators`).
   */
  readonly outputAcc: readonly bigint[];
  readonly logits: readonly bigint[];
  /** argmax of the logits, ties to the lowest index (as the circuit). */
  readonly label: number;
}

/** The exact integer forward pass the circuit constrains. Throws FixedPointRangeError on bad input. */
export function mlpForward(mlp: QuantizedMlp, analysis: MlpAnalysis, input: readonly bigint[]): MlpTrace {
  if (input.length !== analysis.inputs) {
    throw new FixedPointRangeError(`expected ${analysis.inputs} inputs, got ${input.length}`);
  }
  input.forEach((x, i) => {
    checkUpTo(x, analysis.inputMax, `input ${i}`);
  });
  let x: readonly bigint[] = input;
  const activations: bigint[][] = [];
  let outputAcc: bigint[] = [];
  mlp.layers.forEach((layer, l) => {
    const range = analysis.layers[l] as LayerRange;
    outputAcc = dense(layer, x);
    const y = activate(mlp, layer, range, outputAcc);
    activations.push(y);
    x = y;
  });
  const logits = activations[activations.length - 1] as bigint[];
  const outBits = (analysis.layers[analysis.layers.length - 1] as LayerRange).outBits;
  return { activations, outputAcc, logits, label: argmax(logits, outBits).index };
}

/**
 * Logits and label from the last layer's raw accumulators, exactly as mlpForward derives them (floor
 * rescale, ReLU if the layer has it, argmax with ties to the lowest index). Throws
 * FixedPointRangeError for accumulators no admissible input produces.
 */
export function answerFromAccumulators(
  mlp: QuantizedMlp,
  analysis: MlpAnalysis,
  outputAcc: readonly bigint[],
): { readonly logits: bigint[]; readonly label: number } {
  const range = analysis.layers[analysis.layers.length - 1] as LayerRange;
  const last = mlp.layers[mlp.layers.length - 1] as QuantizedLayer;
  if (outputAcc.length !== analysis.outputs)
    throw new FixedPointRangeError(`expected ${analysis.outputs} accumulators, got ${outputAcc.length}`);
  outputAcc.forEach((acc, j) => {
    checkSigned(acc, range.accBits[j] as number, `accumulator ${j}`);
  });
  const logits = activate(mlp, last, range, outputAcc);
  return { logits, label: argmax(logits, range.outBits).index };
}

/** A layer's activations from its accumulators: floor rescale to each neuron's width, then ReLU. */
function activate(
  mlp: QuantizedMlp,
  layer: QuantizedLayer,
  range: LayerRange,
  accumulators: readonly bigint[],
): bigint[] {
  return accumulators.map((acc, j) => {
    const q = rescale(acc, mlp.scaleBits, range.neuronBits[j] as number);
    return layer.relu && q < 0n ? 0n : q;
  });
}

/** How inputs/outputs and weights appear to the verifier. */
export interface ClassifierMode {
  /** Inferences per proof. */
  readonly batch: number;
  /**
   * "public": inputs are public inputs, logits and labels public outputs (no hashing; the verifier
   * sees everything). "committed": one public Poseidon hash of the bit-packed inputs and outputs.
   */
  readonly io: "public" | "committed";
  /**
   * "constant": weights compiled in (the verifying key is the model commitment). "committed": weights
   * are private inputs bound by a public Poseidon hash of their bit-packing.
   */
  readonly weights: "constant" | "committed";
  /**
   * With committed weights: the public class every weight and bias lies in, from which (and the
   * shapes) every width of the circuit is derived, so that the circuit does not depend on the
   * weights it keeps private.
   */
  readonly weightClass?: WeightClass;
}

/** The public signals of a classifier circuit, in snarkjs order (outputs, then public inputs). */
export function classifierPublicLayout(analysis: MlpAnalysis, mode: ClassifierMode): string[] {
  const names: string[] = [];
  if (mode.weights === "committed") names.push("weightsHash");
  if (mode.io === "committed") names.push("ioHash");
  else {
    for (let n = 0; n < mode.batch; n++) {
      for (let o = 0; o < analysis.outputs; o++) names.push(`logits[${n}][${o}]`);
    }
    for (let n = 0; n < mode.batch; n++) names.push(`label[${n}]`);
    for (let n = 0; n < mode.batch; n++) {
      for (let i = 0; i < analysis.inputs; i++) names.push(`x[${n}][${i}]`);
    }
  }
  return names;
}

/**
 * The bit layout of one inference's io in the ioHash: every input (unsigned, inputBits wide), then
 * every raw output accumulator (signed, offset by 2^(w-1), its own width w), packed by PackLimbs.
 */
export interface IoLayout {
  readonly widths: readonly number[];
  readonly offsets: readonly bigint[];
  /** Field elements per inference. */
  readonly fields: number;
}

export function ioLayout(mlp: QuantizedMlp, analysis: MlpAnalysis): IoLayout {
  const accBits = (analysis.layers[analysis.layers.length - 1] as LayerRange).accBits;
  const widths = [...Array.from({ length: analysis.inputs }, () => mlp.inputBits), ...accBits];
  const offsets = [
    ...Array.from({ length: analysis.inputs }, () => 0n),
    ...accBits.map((w) => 1n << BigInt(w - 1)),
  ];
  return { widths, offsets, fields: packedFieldCount(widths) };
}

/** Field elements hashed into ioHash for one inference: its inputs and raw output accumulators, packed. */
export function ioElements(
  mlp: QuantizedMlp,
  analysis: MlpAnalysis,
  input: readonly bigint[],
  trace: Pick<MlpTrace, "outputAcc">,
): bigint[] {
  const layout = ioLayout(mlp, analysis);
  return packFields([...input, ...trace.outputAcc], layout.widths, layout.offsets);
}

/** Field elements hashed into weightsHash: packed weights of every layer, then packed biases. */
export function weightElements(mlp: QuantizedMlp, analysis: MlpAnalysis): bigint[] {
  const ws = mlp.layers.flatMap((l) => l.w.flat());
  const bs = mlp.layers.flatMap((l) => [...l.b]);
  return [...packSigned(ws, analysis.weightBits), ...packSigned(bs, analysis.biasBits)];
}

/** The circuit's private and public inputs for a batch of inferences. */
export function classifierInput(
  mlp: QuantizedMlp,
  mode: ClassifierMode,
  inputs: readonly (readonly bigint[])[],
): Record<string, unknown> {
  if (inputs.length !== mode.batch) {
    throw new MlpShapeError(`circuit proves ${mode.batch} inferences per proof, got ${inputs.length}`);
  }
  const out: Record<string, unknown> = { x: inputs.map((x) => [...x]) };
  if (mode.weights === "committed") {
    // Weights outside the class have no witness: say so here rather than as a failed range check.
    classifierAnalysis(mlp, mode);
    mlp.layers.forEach((l, i) => {
      out[`w${i}`] = l.w.map((r) => [...r]);
      out[`b${i}`] = [...l.b];
    });
  }
  return out;
}

const arr = (xs: readonly (bigint | number)[]): string => `[${xs.join(", ")}]`;

/**
 * The circom check that an input lies in [0, inputMax]: UnsignedUpTo for 2^k (k + 1 constraints),
 * UnsignedRange for 2^b - 1 (b), UnsignedAtMost for any other bound (2b).
 */
function inputCheck(mlp: QuantizedMlp, inputMax: bigint): string {
  if (inputMax < 1n) throw new MlpShapeError(`input bound ${inputMax} (${mlp.name}) must be positive`);
  const k = inputMax.toString(2).length - 1;
  if (inputMax === 1n << BigInt(k)) return `UnsignedUpTo(${k})`;
  if (inputMax === (1n << BigInt(k + 1)) - 1n) return `UnsignedRange(${k + 1})`;
  return `UnsignedAtMost(${k + 1}, ${inputMax})`;
}

/**
 * circom source of a classifier circuit for `mode`. `libInclude` is the include path of
 * lib/specter.circom as seen from where the source will be written.
 *
 * io public: logits (every neuron rescaled and range-checked) and the argmax label are public outputs.
 * io committed: the circuit stops at the last layer's raw accumulators, which are linear in the
 * range-checked hidden activations, so their bounds are static and they pack injectively with no
 * constraint; logits and label are functions of them that whoever holds the opening computes
 * (answerFromAccumulators). That saves the last layer's rescales and the argmax: about half of an
 * inference's constraints.
 */
export function generateClassifierCircuit(
  mlp: QuantizedMlp,
  mode: ClassifierMode,
  libInclude: string,
): string {
  const a = classifierAnalysis(mlp, mode);
  const s = mlp.scaleBits;
  const N = mode.batch;
  const L = mlp.layers.length;
  const lastRange = a.layers[L - 1] as LayerRange;
  const committedIo = mode.io === "committed";
  const check = inputCheck(mlp, a.inputMax);
  const lines: string[] = [
    "pragma circom 2.1.0;",
    `// Generated by @darwin/circuits generateClassifierCircuit for ${mlp.name}:`,
    `// batch ${N}, io ${mode.io}, weights ${mode.weights}, scale 2^${s}, inputs 0..${a.inputMax},`,
    `// rescale widths per neuron ${a.layers.map((l) => `${Math.min(...l.neuronBits)}-${Math.max(...l.neuronBits)}`).join("/")} bits. Do not edit: regenerate.`,
    `include "${libInclude}";`,
    "",
  ];
  const dims = mlp.layers.map((l) => ({ nIn: l.w[0]?.length ?? 0, nOut: l.w.length }));
  if (mode.weights === "constant") {
    mlp.layers.forEach((l, i) => {
      lines.push(
        `function W${i}() {`,
        `    return [${l.w.map((r) => arr(r)).join(",\n        ")}];`,
        "}",
        "",
      );
      lines.push(`function B${i}() {`, `    return ${arr(l.b)};`, "}", "");
    });
  }
  // Every rescale's width, per neuron (the last layer's only with public io).
  a.layers.forEach((r, i) => {
    if (i < L - 1 || !committedIo)
      lines.push(`function R${i}() {`, `    return ${arr(r.neuronBits)};`, "}", "");
  });
  const io = ioLayout(mlp, a);
  if (committedIo) {
    lines.push(`function IoWidths() {`, `    return ${arr(io.widths)};`, "}", "");
    lines.push(`function IoOffsets() {`, `    return ${arr(io.offsets)};`, "}", "");
  }
  // One inference.
  lines.push("template Inference() {");
  lines.push(`    signal input x[${a.inputs}];`);
  if (mode.weights === "committed") {
    dims.forEach((d, i) => {
      lines.push(`    signal input w${i}[${d.nOut}][${d.nIn}];`, `    signal input b${i}[${d.nOut}];`);
    });
  }
  if (committedIo) lines.push(`    signal output acc[${a.outputs}];`);
  else lines.push(`    signal output logits[${a.outputs}];`, "    signal output label;");
  let prev = "x";
  mlp.layers.forEach((l, i) => {
    const d = dims[i] as { nIn: number; nOut: number };
    if (mode.weights === "constant") {
      lines.push(`    component d${i} = DenseConst(${d.nIn}, ${d.nOut}, W${i}(), B${i}());`);
    } else {
      lines.push(
        `    component d${i} = DensePrivate(${d.nIn}, ${d.nOut});`,
        `    d${i}.w <== w${i};`,
        `    d${i}.b <== b${i};`,
      );
    }
    lines.push(`    d${i}.in <== ${prev};`);
    if (i === L - 1 && committedIo) {
      lines.push(`    acc <== d${i}.out;`);
      if (mode.weights === "committed") {
        // With private weights the static bounds hold only for the committed weights, and other
        // weights must not be able to overflow a packing slot: range-check the accumulators.
        lines.push(
          `    component accRange[${d.nOut}];`,
          `    var accBits[${d.nOut}] = ${arr(lastRange.accBits)};`,
          `    for (var j = 0; j < ${d.nOut}; j++) {`,
          "        accRange[j] = SignedRange(accBits[j]);",
          `        accRange[j].in <== d${i}.out[j];`,
          "    }",
        );
      }
      return;
    }
    lines.push(
      `    component r${i}[${d.nOut}];`,
      `    signal h${i}[${d.nOut}];`,
      `    var bits${i}[${d.nOut}] = R${i}();`,
    );
    lines.push(`    for (var j = 0; j < ${d.nOut}; j++) {`);
    lines.push(`        r${i}[j] = ${l.relu ? "RescaleReLU" : "Rescale"}(${s}, bits${i}[j]);`);
    lines.push(`        r${i}[j].in <== d${i}.out[j];`, `        h${i}[j] <== r${i}[j].out;`, "    }");
    prev = `h${i}`;
  });
  if (!committedIo) {
    lines.push(`    logits <== ${prev};`);
    lines.push(
      `    component am = ArgMax(${a.outputs}, ${lastRange.outBits});`,
      "    am.in <== logits;",
      "    label <== am.index;",
    );
  }
  lines.push("}", "");

  // The batch with its commitments.
  lines.push(`template Classifier() {`);
  lines.push(`    signal input x[${N}][${a.inputs}];`);
  if (mode.weights === "committed") {
    dims.forEach((d, i) => {
      lines.push(`    signal input w${i}[${d.nOut}][${d.nIn}];`, `    signal input b${i}[${d.nOut}];`);
    });
    lines.push("    signal output weightsHash;");
  }
  if (committedIo) lines.push("    signal output ioHash;");
  else lines.push(`    signal output logits[${N}][${a.outputs}];`, `    signal output label[${N}];`);
  lines.push(`    component inf[${N}];`);
  // Inputs are range-checked in every mode: public ones so the statement holds only for admissible
  // inputs (a huge field element could otherwise wrap an accumulator back into range), committed ones
  // also so that their packing (and its hash) is injective.
  lines.push(`    component inRange[${N}][${a.inputs}];`);
  if (committedIo) {
    lines.push(`    component pio[${N}];`);
    lines.push(`    component ioh = PoseidonChain(${N * io.fields});`);
  }
  lines.push(`    for (var n = 0; n < ${N}; n++) {`);
  lines.push("        inf[n] = Inference();", "        inf[n].x <== x[n];");
  if (mode.weights === "committed") {
    dims.forEach((_, i) => {
      lines.push(`        inf[n].w${i} <== w${i};`, `        inf[n].b${i} <== b${i};`);
    });
  }
  lines.push(`        for (var i = 0; i < ${a.inputs}; i++) {`);
  lines.push(
    `            inRange[n][i] = ${check};`,
    "            inRange[n][i].in <== x[n][i];",
    "        }",
  );
  if (committedIo) {
    lines.push(
      `        pio[n] = PackLimbs(${io.widths.length}, ${io.fields}, IoWidths(), IoOffsets());`,
      `        for (var i = 0; i < ${a.inputs}; i++) {`,
      "            pio[n].in[i] <== x[n][i];",
      "        }",
      `        for (var o = 0; o < ${a.outputs}; o++) {`,
      `            pio[n].in[${a.inputs} + o] <== inf[n].acc[o];`,
      "        }",
      `        for (var k = 0; k < ${io.fields}; k++) {`,
      `            ioh.in[n * ${io.fields} + k] <== pio[n].out[k];`,
      "        }",
    );
  } else {
    lines.push("        logits[n] <== inf[n].logits;", "        label[n] <== inf[n].label;");
  }
  lines.push("    }");
  if (committedIo) lines.push("    ioHash <== ioh.out;");
  if (mode.weights === "committed") {
    const nW = mlp.layers.reduce((acc, l) => acc + l.w.length * (l.w[0]?.length ?? 0), 0);
    const nB = mlp.layers.reduce((acc, l) => acc + l.b.length, 0);
    const perW = Math.ceil(nW / Math.floor(248 / a.weightBits));
    const perB = Math.ceil(nB / Math.floor(248 / a.biasBits));
    lines.push(`    component pw = RangePackSigned(${nW}, ${a.weightBits});`);
    lines.push(`    component pb = RangePackSigned(${nB}, ${a.biasBits});`);
    lines.push("    var kw = 0;", "    var kb = 0;");
    dims.forEach((d, i) => {
      lines.push(`    for (var j = 0; j < ${d.nOut}; j++) {`);
      lines.push(
        `        for (var i = 0; i < ${d.nIn}; i++) {`,
        `            pw.in[kw] <== w${i}[j][i];`,
        "            kw++;",
        "        }",
      );
      lines.push(`        pb.in[kb] <== b${i}[j];`, "        kb++;", "    }");
    });
    lines.push(`    component wh = PoseidonChain(${perW + perB});`);
    lines.push(`    for (var k = 0; k < ${perW}; k++) {`, "        wh.in[k] <== pw.out[k];", "    }");
    lines.push(
      `    for (var k = 0; k < ${perB}; k++) {`,
      `        wh.in[${perW} + k] <== pb.out[k];`,
      "    }",
    );
    lines.push("    weightsHash <== wh.out;");
  }
  lines.push("}", "");
  lines.push(
    mode.io === "public" ? "component main {public [x]} = Classifier();" : "component main = Classifier();",
  );
  return `${lines.join("\n")}\n`;
}
