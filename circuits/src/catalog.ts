// The circuits SPECTER ships: sources generated from the models, compiled by `npm run circuits:build`,
// given a development setup by `npm run circuits:setup` (outputs committed under setup/).
import { join } from "node:path";
import { attentionWeights, DEFAULT_ATTENTION, generateAttentionCircuit } from "./attention.ts";
import { circuitsRoot } from "./circom.ts";
import { CLASSIFIER_PRIVATE_MODE, defaultClassifierMlp } from "./classifier.ts";
import { type ClassifierMode, generateClassifierCircuit } from "./mlp.ts";

export interface CircuitSpec {
  readonly name: string;
  readonly description: string;
  /** The classifier mode, for classifier circuits. */
  readonly classifier?: ClassifierMode;
  /** Generates the circom source (include paths relative to generated/). */
  source(): string;
}

const LIB_INCLUDE = "../lib/specter.circom";

function classifier(name: string, description: string, mode: ClassifierMode): CircuitSpec {
  return {
    name,
    description,
    classifier: mode,
    source: () => generateClassifierCircuit(defaultClassifierMlp(), mode, LIB_INCLUDE),
  };
}

export const CIRCUITS: readonly CircuitSpec[] = [
  classifier("classifier", "default classifier, weights compiled in, io committed (1 public signal)", {
    batch: 1,
    io: "committed",
    weights: "constant",
  }),
  classifier("classifier_public", "default classifier, weights compiled in, inputs/logits/label public", {
    batch: 1,
    io: "public",
    weights: "constant",
  }),
  classifier(
    "classifier_private",
    "default classifier, private weights bound by a Poseidon hash of their bit-packing",
    CLASSIFIER_PRIVATE_MODE,
  ),
  classifier("classifier_b8", "default classifier, 8 inferences per proof, io committed", {
    batch: 8,
    io: "committed",
    weights: "constant",
  }),
  classifier("classifier_b32", "default classifier, 32 inferences per proof, io committed", {
    batch: 32,
    io: "committed",
    weights: "constant",
  }),
  {
    name: "attention",
    description: `one attention head, seq ${DEFAULT_ATTENTION.seq}, dim ${DEFAULT_ATTENTION.dim}, io committed`,
    source: () => generateAttentionCircuit(attentionWeights(), LIB_INCLUDE),
  },
];

export function circuitSpec(name: string): CircuitSpec {
  const spec = CIRCUITS.find((c) => c.name === name);
  if (!spec)
    throw new RangeError(`unknown circuit ${name}; known: ${CIRCUITS.map((c) => c.name).join(", ")}`);
  return spec;
}

export const generatedDir: string = join(circuitsRoot, "generated");
export const buildDir: string = join(circuitsRoot, "build");
/** Committed setup outputs: per circuit, the witness generator wasm, final zkey, verification key. */
export const setupDir: string = join(circuitsRoot, "setup");
