// Runs every `src/*.bench.ts` (or those whose name contains an argument) as its own process, one at a
// time, so one benchmark's heap and JIT state never colour another's figures.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { machineDescription } from "./harness.ts";

const dir = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error(`no benchmark matches ${filters.join(", ") || "(none found)"}`);
  process.exit(1);
}
console.log(`# Darwin benchmarks\n${machineDescription()}\n`);
let failed = 0;
for (const file of files) {
  console.log(`## ${file.replace(/\.bench\.ts$/, "")}`);
  const result = spawnSync(process.execPath, [join(dir, file)], { stdio: "inherit" });
  if (result.status !== 0) {
    failed++;
    console.error(`benchmark ${file} failed (exit ${result.status ?? result.signal})`);
  }
  console.log("");
}
process.exit(failed === 0 ? 0 : 1);
