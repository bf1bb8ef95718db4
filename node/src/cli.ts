export const NODE_VERSION = "0.1.0";

/** Entry point of the darwin-node command line; returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  if (argv.includes("--version") || argv.includes("-V")) {
    console.log(`darwin-node ${NODE_VERSION}`);
    return 0;
  }
  console.log(`darwin-node ${NODE_VERSION} on Node.js ${process.version}`);
  console.log("The chain itself arrives with the chain-core issue; nothing to start yet.");
  return 0;
}
