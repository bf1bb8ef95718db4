export { NODE_VERSION, runCli } from "./cli.ts";
