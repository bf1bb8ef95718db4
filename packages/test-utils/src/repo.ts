import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (the folder whose package.json declares the workspaces). */
export const repoRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package-lock.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

/** The pinned Node.js 24 binary every project process runs on (the one npm put first on PATH). */
export const nodeBinary: string = process.execPath;
