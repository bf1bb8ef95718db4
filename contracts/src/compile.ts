// Compiles SPECTER's Solidity sources in contracts/src with the npm solc package (the compiler ships
// inside it, so this runs offline; never loadRemoteVersion) into ABI + bytecode artifacts.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const contractsRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const sourcesDir: string = join(contractsRoot, "src");
export const artifactsDir: string = join(contractsRoot, "artifacts");

export interface ContractArtifact {
  readonly contractName: string;
  readonly sourceName: string;
  readonly compiler: string;
  readonly abi: readonly unknown[];
  /** 0x-prefixed creation bytecode. */
  readonly bytecode: string;
  readonly deployedBytecode: string;
}

export class SolidityCompileError extends Error {
  readonly code = "SOLIDITY_COMPILE" as const;
  constructor(message: string) {
    super(message);
    this.name = "SolidityCompileError";
  }
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<
    string,
    Record<
      string,
      { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }
    >
  >;
}

function solidityFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return solidityFiles(path);
      return name.endsWith(".sol") ? [path] : [];
    });
}

/**
 * The sources this build compiles, relative to src/: SPECTER's registry and verifiers. Other
 * contracts in src/ (e.g. src/token, built by Hardhat) keep their own build.
 */
export const SPECTER_SOURCES: readonly string[] = ["SpecterRegistry.sol", "verifiers"];

/** Compiles `roots` (files or folders under src/); returns artifacts keyed by contract name (unique). */
export function compileContracts(roots: readonly string[] = SPECTER_SOURCES): Map<string, ContractArtifact> {
  const require = createRequire(import.meta.url);
  const solc = require("solc") as { compile(input: string): string; version(): string };
  const files = roots.flatMap((root) => {
    const path = join(sourcesDir, root);
    return statSync(path).isDirectory() ? solidityFiles(path) : [path];
  });
  const sources = Object.fromEntries(
    files.map((path) => [relative(sourcesDir, path), { content: readFileSync(path, "utf8") }]),
  );
  const input = {
    language: "Solidity",
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new SolidityCompileError(errors.map((e) => e.formattedMessage).join("\n"));
  const artifacts = new Map<string, ContractArtifact>();
  for (const [sourceName, contracts] of Object.entries(output.contracts ?? {})) {
    for (const [contractName, c] of Object.entries(contracts)) {
      if (artifacts.has(contractName)) throw new SolidityCompileError(`two contracts named ${contractName}`);
      artifacts.set(contractName, {
        contractName,
        sourceName,
        compiler: `solc ${solc.version()}`,
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      });
    }
  }
  return artifacts;
}
