// Builds Darwin's models into packages/models/artifacts (or `--out <dir>`), deterministically.
// Usage: npm run models:build   |   node packages/models/scripts/build.ts --out /tmp/x
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildModels } from "../src/build.ts";

const args = process.argv.slice(2);
const outIndex = args.indexOf("--out");
const outDir =
  outIndex >= 0 && args[outIndex + 1] !== undefined
    ? resolve(args[outIndex + 1] as string)
    : join(dirname(fileURLToPath(import.meta.url)), "..", "artifacts");

const started = performance.now();
const result = await buildModels();
for (const file of result.files) {
  const path = join(outDir, file.path);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, file.bytes);
}
for (const { manifest, cid } of result.manifests) {
  console.log(`${manifest.name}@${manifest.version}  manifest ${cid}  model ${manifest.model.cid}`);
}
console.log(
  `${result.files.length} files in ${outDir} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
);
