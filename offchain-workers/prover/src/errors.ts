import { Data } from "effect";

// The Prover's typed failures; each carries a readable message.

/** No circuit of that name, or no committed setup for it. */
export class UnknownCircuit extends Data.TaggedError("UnknownCircuit")<{
  readonly circuit: string;
  readonly message: string;
}> {}

/** The request cannot be proved: wrong shape, or values outside the circuit's ranges (no witness). */
export class InvalidProofRequest extends Data.TaggedError("InvalidProofRequest")<{
  readonly message: string;
}> {}

/** snarkjs failed while proving or verifying. */
export class ProvingFailed extends Data.TaggedError("ProvingFailed")<{
  readonly circuit: string;
  readonly message: string;
}> {}

export type ProverError = UnknownCircuit | InvalidProofRequest | ProvingFailed;
