// Darwin's commands run on the project's pinned Node.js 24 (the node-<platform>-<arch> package that
// `npm install` brings). This module is plain JavaScript so that any Node can load it: on Node 24 the
// command's TypeScript entry is imported directly; on another Node the bin re-runs itself on the pinned
// binary, or refuses with a message naming the version it needs.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REQUIRED_MAJOR = 24;

/**
 * @param {{ name: string, bin: string, entry: string }} command
 *   `name` for messages, `bin` the calling bin's `import.meta.url`, `entry` the TypeScript entry's URL.
 */
export async function runOnPinnedNode(command) {
  const major = Number(process.versions.node.split(".")[0]);
  if (major === REQUIRED_MAJOR) {
    await import(command.entry);
    return;
  }
  const pinned = findPinnedNode(command.bin);
  if (pinned === undefined) {
    process.stderr.write(
      `${command.name} needs Node.js ${REQUIRED_MAJOR} LTS, but it was started with ${process.version}.\n` +
        `Run \`npm install\` in the Darwin repository (it installs the pinned node-${process.platform}-${process.arch} package),\n` +
        `or start it with a Node.js ${REQUIRED_MAJOR}.x binary.\n`,
    );
    process.exit(1);
  }
  const child = spawn(pinned, [fileURLToPath(command.bin), ...process.argv.slice(2)], { stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("exit", (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

/** The pinned Node binary, resolved from the calling bin's location. */
export function findPinnedNode(fromUrl) {
  const require = createRequire(fromUrl);
  const pkg = `node-${process.platform}-${process.arch}`;
  try {
    const dir = dirname(require.resolve(`${pkg}/package.json`));
    const bin = join(dir, "bin", process.platform === "win32" ? "node.exe" : "node");
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}
