// npm skips optional dependencies whose `engines` exclude the Node that runs npm. On machines whose
// system Node is older than the project's pinned Node 24 (Node 20 here), that drops Hardhat's EDR
// binary (it needs Node >= 22). This hook runs on the pinned Node (npm puts node_modules/.bin first on
// PATH) and, only then, repeats the install on it so those packages are placed. It writes neither
// package.json nor the lockfile, and skips scripts so it cannot recurse.
import { spawnSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { dirname } from "node:path";

const npmNode = process.env.npm_node_execpath ?? "";
const npmMajor = Number(
  /v?(\d+)/.exec(spawnSync(npmNode || "node", ["--version"], { encoding: "utf8" }).stdout)?.[1] ?? 0,
);
const npmCli = process.env.npm_execpath;

if (npmMajor >= 22 || !npmCli || !existsSync(npmCli)) process.exit(0);
if (Number(process.versions.node.split(".")[0]) < 22) process.exit(0); // no pinned Node on this platform

const root = dirname(dirname(realpathSync(new URL(import.meta.url).pathname)));
const result = spawnSync(
  process.execPath,
  [npmCli, "install", "--no-save", "--ignore-scripts", "--no-audit", "--no-fund"],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, npm_config_loglevel: "error" },
  },
);
if (result.status !== 0) {
  process.stderr.write(
    `postinstall: the install on Node ${process.version} failed (exit ${result.status})\n`,
  );
  process.exit(result.status ?? 1);
}
