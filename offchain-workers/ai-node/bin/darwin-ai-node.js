#!/usr/bin/env node
// darwin-ai-node runs on the project's pinned Node.js 24 (the node-<platform>-<arch> package that
// `npm install` brings). Plain JavaScript so that any Node can start it: on Node 24 it loads the
// TypeScript entry directly; on an older Node it re-runs itself on the pinned binary, or refuses with
// a message naming the version it needs.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split(".")[0]);

if (major === REQUIRED_MAJOR) {
  await import("../src/main.ts");
} else {
  const pinned = pinnedNode();
  if (pinned === undefined) {
    process.stderr.write(
      `darwin-ai-node needs Node.js ${REQUIRED_MAJOR} LTS, but it was started with ${process.version}.\n` +
        `Run \`npm install\` in the Darwin repository (it installs node-${process.platform}-${process.arch}),\n` +
        `or start it with a Node.js ${REQUIRED_MAJOR}.x binary.\n`,
    );
    process.exit(1);
  }
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

function pinnedNode() {
  const require = createRequire(import.meta.url);
  try {
    const dir = dirname(require.resolve(`node-${process.platform}-${process.arch}/package.json`));
    const bin = join(dir, "bin", process.platform === "win32" ? "node.exe" : "node");
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}
