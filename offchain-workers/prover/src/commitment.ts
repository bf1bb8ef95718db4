// Model commitments and the public statement of a classifier proof.
import {
  type CircuitArtifacts,
  type ClassifierMode,
  classifierAnalysis,
  ioElements,
  type MlpAnalysis,
  type MlpTrace,
  poseidonHasher,
  type QuantizedMlp,
  weightElements,
} from "@darwin/circuits";
import { type Hex, keccak256, stringToHex, toHex } from "viem";

/**
 * The model commitment the registry records for a circuit. Weights compiled in: the verifying key is
 * the commitment, so it is keccak256 of the committed verification_key.json text (canonical JSON).
 * Private weights: the Poseidon hash of the bit-packed weights, which the proof carries as a public
 * signal (index 0) and the registry matches.
 */
export async function modelCommitment(artifacts: CircuitArtifacts, mlp?: QuantizedMlp): Promise<Hex> {
  if (artifacts.info.classifier?.weights === "committed") {
    if (!mlp) throw new RangeError(`circuit ${artifacts.info.name} commits to weights: pass the model`);
    return toHex(await weightsHash(mlp, artifacts.info.classifier), { size: 32 });
  }
  return keccak256(stringToHex(JSON.stringify(artifacts.verificationKey)));
}

/** Index of the public signal that must equal the commitment (weights-committed circuits), else none. */
export function commitmentSignalIndex(mode: ClassifierMode | undefined): number | undefined {
  return mode?.weights === "committed" ? 0 : undefined;
}

/** The weightsHash public signal of a private-weights circuit of `mode` for these weights. */
export async function weightsHash(mlp: QuantizedMlp, mode: ClassifierMode): Promise<bigint> {
  return (await poseidonHasher()).chain(weightElements(mlp, classifierAnalysis(mlp, mode)));
}

/**
 * The ioHash public signal of a classifier batch: PoseidonChain over each inference's packed inputs
 * and raw output accumulators, in the layout of the circuit generated from `analysis`
 * (`classifierAnalysis(mlp, mode)`).
 */
export async function classifierIoHash(
  mlp: QuantizedMlp,
  analysis: MlpAnalysis,
  inputs: readonly (readonly bigint[])[],
  traces: readonly Pick<MlpTrace, "outputAcc">[],
): Promise<bigint> {
  const elems = inputs.flatMap((x, i) =>
    ioElements(mlp, analysis, x, traces[i] as Pick<MlpTrace, "outputAcc">),
  );
  return (await poseidonHasher()).chain(elems);
}
