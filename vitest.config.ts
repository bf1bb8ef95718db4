import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { defineConfig } from "vitest/config";
import SummaryReporter from "./scripts/vitest-summary-reporter.ts";

// One vitest project per workspace package that has a test/ folder.
const roots = ["packages", "offchain-workers"].flatMap((dir) =>
  existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : [],
);
const singles = [
  "runtime-spec",
  "pallets-ts",
  "node",
  "contracts",
  "circuits",
  "zombienet",
  "test",
  "frontend",
];
const projects = [...roots, ...singles]
  .filter((dir) => existsSync(join(dir, "test")))
  .map((dir) => ({
    extends: true as const,
    test: {
      name: dir,
      root: dir,
      include: ["test/**/*.test.ts"],
    },
  }));

export default defineConfig({
  test: {
    projects,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start real processes; two cores do not bear more than two test files at once.
    maxWorkers: 2,
    reporters: ["default", new SummaryReporter()],
  },
});
