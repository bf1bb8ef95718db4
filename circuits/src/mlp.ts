// Quantized MLP classifiers: the integer model SPECTER proves, its bit-exact reference, the static
// range analysis that picks every range check's width, and the circom generator for each proof mode.
import {
  argmax,
  checkUnsigned,
  dense,
  FixedPointRangeError,
  packSigned,
  packUnsigned,
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
  /** Inputs are unsigned integers below 2^inputBits. */
  readonly inputBits: number;
  readonly layers: readonly QuantizedLayer[];
}

export interface LayerRange {
  /** Signed width of the rescaled outputs: every rescale of this layer is range-checked to it. */
  readonly outBits: number;
  readonly min: bigint;
  readonly max: bigint;
}

export interface MlpAnalysis {
  readonly inputs: number;
  readonly outputs: number;
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

/** Checks shapes and computes, by interval arithmetic over every admissible input, each layer's range. */
export function analyzeMlp(mlp: QuantizedMlp): MlpAnalysis {
  if (mlp.layers.length === 0) throw new MlpShapeError("an MLP needs at least one layer");
  const first = mlp.layers[0] as QuantizedLayer;
  let width = first.w[0]?.length ?? 0;
  const inputs = width;
  let lo: bigint[] = Array.from({ length: width }, () => 0n);
  let hi: bigint[] = Array.from({ length: width }, () => (1n << BigInt(mlp.inputBits)) - 1n);
  const layers: LayerRange[] = [];
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
    // The pre-activation quotients are what the layer's Rescale range-checks.
    const pre: [bigint, bigint][] = [];
    layer.w.forEach((row, j) => {
      if (row.length !== width)
        throw new MlpShapeError(`layer ${l} row ${j}: ${row.length} weights, expected ${width}`);
      let aLo = layer.b[j] as bigint;
      let aHi = aLo;
      row.forEach((w, i) => {
        const x0 = w * (lo[i] as bigint);
        const x1 = w * (hi[i] as bigint);
        // bigints: Math.min/max do not apply.
        if (x0 < x1) {
          aLo += x0;
          aHi += x1;
        } else {
          aLo += x1;
          aHi += x0;
        }
        if (w < wMin) wMin = w;
        if (w > wMax) wMax = w;
      });
      const b = layer.b[j] as bigint;
      if (b < bMin) bMin = b;
      if (b > bMax) bMax = b;
      const qLo = aLo >> BigInt(mlp.scaleBits);
      const qHi = aHi >> BigInt(mlp.scaleBits);
      nextLo.push(layer.relu && qLo < 0n ? 0n : qLo);
      nextHi.push(layer.relu && qHi < 0n ? 0n : qHi);
      pre.push([qLo, qHi]);
    });
    let min = 0n;
    let max = 0n;
    for (const [a, b] of pre) {
      if (a < min) min = a;
      if (b > max) max = b;
    }
    layers.push({ outBits: Math.max(signedBitsFor(min, max), 5), min, max });
    lo = nextLo;
    hi = nextHi;
    width = layer.w.length;
  });
  return {
    inputs,
    outputs: width,
    layers,
    weightBits: signedBitsFor(wMin, wMax),
    biasBits: signedBitsFor(bMin, bMax),
  };
}

export interface MlpTrace {
  /** Rescaled (and ReLU'd where the layer says so) activations of every layer; the last is the logits. */
  readonly activations: readonly (readonly bigint[])[];
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
    checkUnsigned(x, mlp.inputBits, `input ${i}`);
  });
  let x: readonly bigint[] = input;
  const activations: bigint[][] = [];
  mlp.layers.forEach((layer, l) => {
    const bits = (analysis.layers[l] as LayerRange).outBits;
    const y = dense(layer, x).map((acc) => {
      const q = rescale(acc, mlp.scaleBits, bits);
      return layer.relu && q < 0n ? 0n : q;
    });
    activations.push(y);
    x = y;
  });
  const logits = activations[activations.length - 1] as bigint[];
  const outBits = (analysis.layers[analysis.layers.length - 1] as LayerRange).outBits;
  return { activations, logits, label: argmax(logits, outBits).index };
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

/** Field elements hashed into ioHash for one inference: packed inputs, then packed logits + label. */
export function ioElements(
  mlp: QuantizedMlp,
  analysis: MlpAnalysis,
  input: readonly bigint[],
  trace: MlpTrace,
): bigint[] {
  const outBits = (analysis.layers[analysis.layers.length - 1] as LayerRange).outBits;
  return [
    ...packUnsigned(input, mlp.inputBits),
    ...packSigned([...trace.logits, BigInt(trace.label)], outBits),
  ];
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
    mlp.layers.forEach((l, i) => {
      out[`w${i}`] = l.w.map((r) => [...r]);
      out[`b${i}`] = [...l.b];
    });
  }
  return out;
}

const arr = (xs: readonly bigint[]): string => `[${xs.join(", ")}]`;

/**
 * circom source of a classifier circuit for `mode`. `libInclude` is the include path of
 * lib/specter.circom as seen from where the source will be written.
 */
export function generateClassifierCircuit(
  mlp: QuantizedMlp,
  mode: ClassifierMode,
  libInclude: string,
): string {
  const a = analyzeMlp(mlp);
  const s = mlp.scaleBits;
  const N = mode.batch;
  const L = mlp.layers.length;
  const outBits = (a.layers[L - 1] as LayerRange).outBits;
  const lines: string[] = [
    "pragma circom 2.1.0;",
    `// Generated by @darwin/circuits generateClassifierCircuit for ${mlp.name}:`,
    `// batch ${N}, io ${mode.io}, weights ${mode.weights}, scale 2^${s}, inputs unsigned ${mlp.inputBits} bits,`,
    `// rescale widths ${a.layers.map((l) => l.outBits).join("/")} bits. Do not edit: regenerate.`,
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
  // One inference.
  lines.push("template Inference() {");
  lines.push(`    signal input x[${a.inputs}];`);
  if (mode.weights === "committed") {
    dims.forEach((d, i) => {
      lines.push(`    signal input w${i}[${d.nOut}][${d.nIn}];`, `    signal input b${i}[${d.nOut}];`);
    });
  }
  lines.push(`    signal output logits[${a.outputs}];`, "    signal output label;");
  let prev = "x";
  mlp.layers.forEach((l, i) => {
    const d = dims[i] as { nIn: number; nOut: number };
    const bits = (a.layers[i] as LayerRange).outBits;
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
    lines.push(`    component r${i}[${d.nOut}];`, `    signal h${i}[${d.nOut}];`);
    lines.push(`    for (var j = 0; j < ${d.nOut}; j++) {`);
    lines.push(`        r${i}[j] = ${l.relu ? "RescaleReLU" : "Rescale"}(${s}, ${bits});`);
    lines.push(`        r${i}[j].in <== d${i}.out[j];`, `        h${i}[j] <== r${i}[j].out;`, "    }");
    prev = `h${i}`;
  });
  lines.push(`    logits <== ${prev};`);
  lines.push(
    `    component am = ArgMax(${a.outputs}, ${outBits});`,
    "    am.in <== logits;",
    "    label <== am.index;",
  );
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
  if (mode.io === "committed") lines.push("    signal output ioHash;");
  else lines.push(`    signal output logits[${N}][${a.outputs}];`, `    signal output label[${N}];`);
  lines.push(`    component inf[${N}];`);
  if (mode.io === "public") lines.push(`    component inRange[${N}][${a.inputs}];`);
  const perIn = Math.ceil(a.inputs / Math.floor(248 / mlp.inputBits));
  const perOut = Math.ceil((a.outputs + 1) / Math.floor(248 / outBits));
  if (mode.io === "committed") {
    lines.push(`    component pin[${N}];`, `    component pout[${N}];`);
    lines.push(`    component ioh = PoseidonChain(${N * (perIn + perOut)});`);
  }
  lines.push(`    for (var n = 0; n < ${N}; n++) {`);
  lines.push("        inf[n] = Inference();", "        inf[n].x <== x[n];");
  if (mode.weights === "committed") {
    dims.forEach((_, i) => {
      lines.push(`        inf[n].w${i} <== w${i};`, `        inf[n].b${i} <== b${i};`);
    });
  }
  if (mode.io === "committed") {
    lines.push(
      `        pin[n] = RangePackUnsigned(${a.inputs}, ${mlp.inputBits});`,
      "        pin[n].in <== x[n];",
    );
    lines.push(`        pout[n] = PackSigned(${a.outputs + 1}, ${outBits});`);
    lines.push(
      `        for (var o = 0; o < ${a.outputs}; o++) {`,
      "            pout[n].in[o] <== inf[n].logits[o];",
      "        }",
    );
    lines.push(`        pout[n].in[${a.outputs}] <== inf[n].label;`);
    lines.push(
      `        for (var k = 0; k < ${perIn}; k++) {`,
      `            ioh.in[n * ${perIn + perOut} + k] <== pin[n].out[k];`,
      "        }",
    );
    lines.push(
      `        for (var k = 0; k < ${perOut}; k++) {`,
      `            ioh.in[n * ${perIn + perOut} + ${perIn} + k] <== pout[n].out[k];`,
      "        }",
    );
  } else {
    // Public inputs are range-checked too, so the statement holds only for admissible inputs (a huge
    // field element could otherwise wrap an accumulator back into range).
    lines.push(`        for (var i = 0; i < ${a.inputs}; i++) {`);
    lines.push(
      `            inRange[n][i] = UnsignedRange(${mlp.inputBits});`,
      "            inRange[n][i].in <== x[n][i];",
      "        }",
    );
    lines.push("        logits[n] <== inf[n].logits;", "        label[n] <== inf[n].label;");
  }
  lines.push("    }");
  if (mode.io === "committed") lines.push("    ioHash <== ioh.out;");
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
