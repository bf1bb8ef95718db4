// Model commitments and the public statement of a classifier proof.
import {
  analyzeMlp,
  type CircuitArtifacts,
  type ClassifierMode,
  ioElements,
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
    return toHex(await weightsHash(mlp), { size: 32 });
  }
  return keccak256(stringToHex(JSON.stringify(artifacts.verificationKey)));
}

/** Index of the public signal that must equal the commitment (weights-committed circuits), else none. */
export function commitmentSignalIndex(mode: ClassifierMode | undefined): number | undefined {
  return mode?.weights === "committed" ? 0 : undefined;
}

export async function weightsHash(mlp: QuantizedMlp): Promise<bigint> {
  return (await poseidonHasher()).chain(weightElements(mlp, analyzeMlp(mlp)));
}

/** The ioHash public signal of a classifier batch: PoseidonChain over each inference's packed inputs and raw output accumulators. */
export async function classifierIoHash(
  mlp: QuantizedMlp,
  inputs: readonly (readonly bigint[])[],
  traces: readonly Pick<MlpTrace, "outputAcc">[],
): Promise<bigint> {
  const analysis = analyzeMlp(mlp);
  const elems = inputs.flatMap((x, i) =>
    ioElements(mlp, analysis, x, traces[i] as Pick<MlpTrace, "outputAcc">),
  );
  return (await poseidonHasher()).chain(elems);
}
