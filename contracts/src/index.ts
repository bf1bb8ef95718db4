// @darwin/contracts: Darwin's Solidity contracts and their compiled artifacts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { artifactsDir, type ContractArtifact } from "./compile.ts";

export * from "./compile.ts";
export * from "./evm.ts";

export class MissingArtifactError extends Error {
  readonly code = "MISSING_ARTIFACT" as const;
  constructor(name: string) {
    super(`no artifact for contract ${name}: run npm run contracts:build`);
    this.name = "MissingArtifactError";
  }
}

/** The committed artifact of one contract (contracts/artifacts/<name>.json). */
export function loadArtifact(name: string): ContractArtifact {
  try {
    return JSON.parse(readFileSync(join(artifactsDir, `${name}.json`), "utf8")) as ContractArtifact;
  } catch {
    throw new MissingArtifactError(name);
  }
}
