export { NODE_VERSION, runCli } from "./cli.ts";
export { type RunningNode, startNode } from "./service.ts";
