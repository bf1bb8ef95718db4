// npm run circuits:setup [names...]: the DEVELOPMENT trusted setup. Phase 1 comes from
// scripts/ptau.ts (one local powers-of-tau, 2^16); phase 2 here, per circuit: a fresh zkey, one
// random local contribution, a public beacon. Writes the committed outputs under setup/<name>/
// (final zkey, verification key, witness generator, circuit.json) and the snarkjs-exported Solidity
// verifier under contracts/src/verifiers/. Not a ceremony: see circuits/README.md.
import { createHash, randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as snarkjs from "snarkjs";
import { buildDir, CIRCUITS, generatedDir, setupDir } from "../src/catalog.ts";
import { compileCircuit } from "../src/circom.ts";
import { verifierContractName } from "../src/setup.ts";
import { buildPtau, PTAU_POWER } from "./ptau.ts";

const BEACON = "0d5e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6";
const contractsVerifiers = join(dirname(generatedDir), "..", "contracts", "src", "verifiers");
const logger = {
  debug: () => {},
  log: () => {},
  info: (m: string) => process.stdout.write(`  ${m}\n`),
  warn: (m: string) => process.stdout.write(`  warn ${m}\n`),
  error: (m: string) => process.stderr.write(`  error ${m}\n`),
};
const require = createRequire(import.meta.url);
const groth16Template = readFileSync(
  join(dirname(require.resolve("snarkjs")), "..", "templates", "verifier_groth16.sol.ejs"),
  "utf8",
);
const sha256 = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");

const only = process.argv.slice(2);
// SPECTER_PTAU_POWER picks a smaller phase 1 for quick trials of small circuits; the committed setup uses 2^16.
const power = Number(process.env.SPECTER_PTAU_POWER ?? PTAU_POWER);
const ptau = await buildPtau(power);
mkdirSync(contractsVerifiers, { recursive: true });
for (const spec of CIRCUITS.filter((c) => only.length === 0 || only.includes(c.name))) {
  const t0 = Date.now();
  process.stdout.write(`${spec.name}: compiling\n`);
  const source = join(generatedDir, `${spec.name}.circom`);
  mkdirSync(generatedDir, { recursive: true });
  writeFileSync(source, spec.source());
  const work = join(buildDir, spec.name);
  const compiled = await compileCircuit(source, { outDir: work });
  const domain =
    2 ** Math.ceil(Math.log2(compiled.constraints + compiled.publicInputs + compiled.publicOutputs + 1));
  if (domain > 2 ** power)
    throw new Error(`${spec.name} needs a 2^${Math.log2(domain)} phase 1; have 2^${power}`);
  const out = join(setupDir, spec.name);
  mkdirSync(out, { recursive: true });
  const z0 = join(work, `${spec.name}_0000.zkey`);
  const z1 = join(work, `${spec.name}_0001.zkey`);
  const zFinal = join(out, `${spec.name}.zkey`);
  process.stdout.write(`${spec.name}: phase 2 (${compiled.constraints} constraints)\n`);
  await snarkjs.zKey.newZKey(compiled.r1cs, ptau, z0, logger);
  await snarkjs.zKey.contribute(z0, z1, "darwin dev contribution", randomBytes(32).toString("hex"), logger);
  await snarkjs.zKey.beacon(z1, zFinal, "darwin dev beacon", BEACON, 10, logger);
  const vkey = await snarkjs.zKey.exportVerificationKey(zFinal, logger);
  writeFileSync(join(out, "verification_key.json"), `${JSON.stringify(vkey, null, 2)}\n`);
  const wasm = join(out, `${spec.name}.wasm`);
  copyFileSync(compiled.wasm, wasm);
  const contract = verifierContractName(spec.name);
  const solidity = (
    await snarkjs.zKey.exportSolidityVerifier(zFinal, { groth16: groth16Template }, logger)
  ).replace("contract Groth16Verifier", `contract ${contract}`);
  writeFileSync(join(contractsVerifiers, `${contract}.sol`), solidity);
  const info = {
    name: spec.name,
    description: spec.description,
    classifier: spec.classifier,
    constraints: compiled.constraints,
    wires: compiled.wires,
    publicSignals: compiled.publicOutputs + compiled.publicInputs,
    ptauPower: power,
    zkeySha256: sha256(zFinal),
    wasmSha256: sha256(wasm),
    verifierContract: contract,
    development: true,
  };
  writeFileSync(join(out, "circuit.json"), `${JSON.stringify(info, null, 2)}\n`);
  process.stdout.write(`${spec.name}: done in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
}
process.exit(0);
