// npm run circuits:build [names...]: regenerates generated/*.circom from the models and compiles each
// with circom2 (O2) into build/<name>/. Prints the constraint counts.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildDir, CIRCUITS, generatedDir } from "../src/catalog.ts";
import { compileCircuit } from "../src/circom.ts";

const only = process.argv.slice(2);
mkdirSync(generatedDir, { recursive: true });
for (const spec of CIRCUITS.filter((c) => only.length === 0 || only.includes(c.name))) {
  const source = join(generatedDir, `${spec.name}.circom`);
  writeFileSync(source, spec.source());
  const t0 = Date.now();
  const compiled = await compileCircuit(source, { outDir: join(buildDir, spec.name) });
  console.log(
    `${spec.name}: ${compiled.constraints} constraints, ${compiled.wires} wires, ` +
      `${compiled.publicOutputs + compiled.publicInputs} public signals (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
}
