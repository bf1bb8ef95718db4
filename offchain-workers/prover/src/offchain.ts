// Off-chain verification with the registry's rules: a proof is accepted for a model commitment only
// if it verifies under the key of the circuit registered for that commitment, a weights commitment
// carried as a public signal matches, the Groth16 proof verifies, and its statement (commitment + public signals) was not
// accepted before. Mirrors SpecterRegistry for clients and workers that check proofs without a chain.
import { encodeAbiParameters, type Hex, hexToBigInt, keccak256 } from "viem";
import type { Groth16Engine, ProofBundle } from "./groth16.ts";

export interface RegisteredModel {
  readonly circuit: string;
  /** Index of the public signal that must equal the commitment (private-weights circuits). */
  readonly commitmentSignal?: number;
}

export type OffchainVerdict =
  | { readonly accepted: true; readonly statement: Hex }
  | {
      readonly accepted: false;
      readonly reason: "unknown-model" | "commitment-mismatch" | "invalid-proof" | "replayed";
    };

export interface OffchainVerifier {
  register(commitment: Hex, model: RegisteredModel): void;
  submit(commitment: Hex, proof: ProofBundle): Promise<OffchainVerdict>;
}

/** The registry's statement key: keccak256(abi.encode(commitment, publicSignals)). */
export function statementOf(commitment: Hex, publicSignals: readonly string[]): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "uint256[]" }],
      [commitment, publicSignals.map(BigInt)],
    ),
  );
}

export function createOffchainVerifier(engine: Groth16Engine): OffchainVerifier {
  const models = new Map<Hex, RegisteredModel>();
  const accepted = new Set<Hex>();
  return {
    register(commitment, model) {
      if (models.has(commitment)) throw new RangeError(`model ${commitment} is already registered`);
      models.set(commitment, model);
    },
    async submit(commitment, proof) {
      const model = models.get(commitment);
      if (!model) return { accepted: false, reason: "unknown-model" };
      if (
        model.commitmentSignal !== undefined &&
        BigInt(proof.publicSignals[model.commitmentSignal] ?? -1) !== hexToBigInt(commitment)
      ) {
        return { accepted: false, reason: "commitment-mismatch" };
      }
      const statement = statementOf(commitment, proof.publicSignals);
      if (accepted.has(statement)) return { accepted: false, reason: "replayed" };
      // Always the registered circuit's key: the bundle's own circuit label is not trusted.
      if (!(await engine.verify({ ...proof, circuit: model.circuit })))
        return { accepted: false, reason: "invalid-proof" };
      accepted.add(statement);
      return { accepted: true, statement };
    },
  };
}
