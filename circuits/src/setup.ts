// The committed development setup outputs of each circuit (see scripts/setup.ts and README.md).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setupDir } from "./catalog.ts";
import type { ClassifierMode } from "./mlp.ts";

export interface CircuitInfo {
  readonly name: string;
  readonly description: string;
  readonly classifier?: ClassifierMode;
  readonly constraints: number;
  readonly wires: number;
  readonly publicSignals: number;
  readonly ptauPower: number;
  readonly zkeySha256: string;
  readonly wasmSha256: string;
  readonly verifierContract: string;
  readonly development: boolean;
}

export interface CircuitArtifacts {
  readonly info: CircuitInfo;
  readonly wasm: string;
  readonly zkey: string;
  readonly verificationKey: Record<string, unknown>;
}

export class MissingSetupError extends Error {
  readonly code = "MISSING_SETUP" as const;
  constructor(name: string) {
    super(`no committed setup for circuit ${name}: run npm run circuits:setup -- ${name}`);
    this.name = "MissingSetupError";
  }
}

/** The verifier contract name for a circuit: classifier_b8 -> ClassifierB8Verifier. */
export function verifierContractName(circuit: string): string {
  return `${circuit
    .split("_")
    .map((p) => (p[0] ?? "").toUpperCase() + p.slice(1))
    .join("")}Verifier`;
}

export function hasSetup(name: string): boolean {
  return existsSync(join(setupDir, name, "circuit.json"));
}

export function circuitArtifacts(name: string): CircuitArtifacts {
  const dir = join(setupDir, name);
  if (!hasSetup(name)) throw new MissingSetupError(name);
  return {
    info: JSON.parse(readFileSync(join(dir, "circuit.json"), "utf8")) as CircuitInfo,
    wasm: join(dir, `${name}.wasm`),
    zkey: join(dir, `${name}.zkey`),
    verificationKey: JSON.parse(readFileSync(join(dir, "verification_key.json"), "utf8")) as Record<
      string,
      unknown
    >,
  };
}
