// npm run contracts:build: compiles SPECTER's contracts (SpecterRegistry, verifiers) with the npm solc package (offline) into
// contracts/artifacts/<Contract>.json. Deterministic: same sources and compiler, same bytes.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { artifactsDir, compileContracts } from "../src/compile.ts";

const artifacts = compileContracts();
mkdirSync(artifactsDir, { recursive: true });
// Replace only what this build owns, so artifacts of removed verifiers do not linger.
for (const f of readdirSync(artifactsDir)) {
  if (f === "SpecterRegistry.json" || f.endsWith("Verifier.json")) rmSync(join(artifactsDir, f));
}
for (const [name, artifact] of artifacts) {
  writeFileSync(join(artifactsDir, `${name}.json`), `${JSON.stringify(artifact, null, 2)}\n`);
  console.log(`${name}: ${(artifact.deployedBytecode.length - 2) / 2} bytes (${artifact.sourceName})`);
}
