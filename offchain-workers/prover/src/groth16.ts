// One warm Groth16 engine: per circuit, the witness generator (wasm instantiated once) and the proving
// key (the final zkey parsed once, groth16-prover.ts); one bn128 curve (with its worker threads) per
// process, shared with snarkjs's verifier, so only the first proof pays the curve setup. Close it to
// release the curve's workers.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  type CircuitArtifacts,
  type CircuitInfo,
  type CircuitInput,
  circuitArtifacts,
  hasSetup,
  loadWitnessCalculator,
  type WitnessCalculator,
} from "@darwin/circuits";
import * as snarkjs from "snarkjs";
import {
  groth16Prove,
  type ProvingKey,
  parseZkey,
  releaseBn128,
  wtnsValues,
  ZkeyFormatError,
} from "./groth16-prover.ts";

export type Groth16Proof = snarkjs.Groth16Proof;

/** A proof with its public signals (decimal strings, snarkjs order) and the circuit that made it. */
export interface ProofBundle {
  readonly circuit: string;
  readonly proof: Groth16Proof;
  readonly publicSignals: readonly string[];
}

export interface ProveTimings {
  readonly witnessMs: number;
  readonly proveMs: number;
}

export interface Groth16Engine {
  hasCircuit(circuit: string): boolean;
  info(circuit: string): CircuitInfo;
  /** Computes the witness and proves; throws WitnessError when the input has no witness. */
  prove(circuit: string, input: CircuitInput): Promise<{ bundle: ProofBundle; timings: ProveTimings }>;
  /** Only the witness (no proof): for checks and for the no-proof tier. */
  witness(circuit: string, input: CircuitInput): Promise<bigint[]>;
  verify(bundle: ProofBundle): Promise<boolean>;
  close(): Promise<void>;
}

interface Loaded {
  readonly artifacts: CircuitArtifacts;
  readonly calculator: WitnessCalculator;
  /** Parsed at the circuit's first proof (witness-only use never builds the curve). */
  provingKey?: Promise<ProvingKey> | undefined;
}

export function createGroth16Engine(): Groth16Engine {
  const loaded = new Map<string, Promise<Loaded>>();
  // Whether this engine used the process's curve (and so should release it on close).
  let used = false;
  const load = (circuit: string): Promise<Loaded> => {
    let entry = loaded.get(circuit);
    if (!entry) {
      entry = (async () => {
        const artifacts = circuitArtifacts(circuit);
        return { artifacts, calculator: await loadWitnessCalculator(artifacts.wasm) };
      })();
      entry.catch(() => loaded.delete(circuit));
      loaded.set(circuit, entry);
    }
    return entry;
  };
  const provingKeyOf = (l: Loaded): Promise<ProvingKey> => {
    if (!l.provingKey) {
      const parsing = (async () => {
        const zkey = new Uint8Array(readFileSync(l.artifacts.zkey));
        // The committed setup names its zkey by hash: a file changed on disk is not proved with.
        const digest = createHash("sha256").update(zkey).digest("hex");
        if (digest !== l.artifacts.info.zkeySha256)
          throw new ZkeyFormatError(
            `${l.artifacts.zkey}: sha256 ${digest}, circuit.json says ${l.artifacts.info.zkeySha256}`,
          );
        return parseZkey(zkey);
      })();
      // A failed parse is not kept: the next proof tries again.
      parsing.catch(() => {
        if (l.provingKey === parsing) l.provingKey = undefined;
      });
      l.provingKey = parsing;
    }
    return l.provingKey;
  };
  return {
    hasCircuit: (circuit) => hasSetup(circuit),
    info: (circuit) => circuitArtifacts(circuit).info,
    async witness(circuit, input) {
      return (await load(circuit)).calculator.witness(input);
    },
    async prove(circuit, input) {
      const l = await load(circuit);
      const provingKey = await provingKeyOf(l);
      const t0 = performance.now();
      const wtns = await l.calculator.wtns(input);
      const t1 = performance.now();
      const witness = wtnsValues(wtns, provingKey.nVars);
      used = true;
      const { proof, publicSignals } = await groth16Prove(provingKey, witness);
      const t2 = performance.now();
      return { bundle: { circuit, proof, publicSignals }, timings: { witnessMs: t1 - t0, proveMs: t2 - t1 } };
    },
    async verify(bundle) {
      const l = await load(bundle.circuit);
      used = true;
      return snarkjs.groth16.verify(l.artifacts.verificationKey, [...bundle.publicSignals], bundle.proof);
    },
    async close() {
      loaded.clear();
      if (!used) return;
      await releaseBn128();
    },
  };
}

/** The proof as the Solidity verifier / SpecterRegistry take it: [a0, a1, b00, b01, b10, b11, c0, c1]. */
export function proofCalldata(proof: Groth16Proof): bigint[] {
  const at = (xs: readonly string[] | undefined, i: number): bigint => BigInt(xs?.[i] ?? "0");
  const b0 = proof.pi_b[0];
  const b1 = proof.pi_b[1];
  // The EVM's pairing precompile takes G2 coordinates as (imaginary, real): swap each pair.
  return [
    at(proof.pi_a, 0),
    at(proof.pi_a, 1),
    at(b0, 1),
    at(b0, 0),
    at(b1, 1),
    at(b1, 0),
    at(proof.pi_c, 0),
    at(proof.pi_c, 1),
  ];
}
