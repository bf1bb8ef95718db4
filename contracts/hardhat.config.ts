// Hardhat 3 for Darwin dApp developers: `npx hardhat test --network darwin` runs the suite in
// test/hardhat against a running darwin-node (default http://127.0.0.1:9944, chain id 4242, Alith's
// dev key); `npx hardhat test` runs it on Hardhat's own simulated network (EDR).
//
// Offline compiler: Hardhat would otherwise download solc from the network. `path` points it at the
// soljson.js shipped inside the npm `solc` package (the same compiler `npm run contracts:build` uses);
// Hardhat sees a non-binary file and runs it as solcjs (WebAssembly), so nothing is downloaded.
// Only src/token is compiled here; the SPECTER contracts keep their own build (scripts/build.ts).
// Hardhat's artifacts and cache live under .tsbuild/ (git-ignored), never in contracts/artifacts.
import { createRequire } from "node:module";
import hardhatNodeTestRunner from "@nomicfoundation/hardhat-node-test-runner";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);
const solcPackage = require("solc/package.json") as { version: string };

/** Alith, the funded dev account of `darwin-node --dev` (standard dev mnemonic, Ethereum path). */
const ALITH_PRIVATE_KEY = "0x5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133";

export default defineConfig({
  plugins: [hardhatViem, hardhatNodeTestRunner],
  solidity: {
    version: solcPackage.version,
    path: require.resolve("solc/soljson.js"),
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun" },
  },
  paths: {
    sources: "src/token",
    tests: { nodejs: "test/hardhat" },
    artifacts: "../.tsbuild/hardhat/artifacts",
    cache: "../.tsbuild/hardhat/cache",
  },
  networks: {
    darwin: {
      type: "http",
      chainType: "l1",
      // DARWIN_RPC_URL lets a test (or a developer) point the suite at a node on another port.
      url: process.env.DARWIN_RPC_URL ?? "http://127.0.0.1:9944",
      chainId: 4242,
      accounts: [process.env.DARWIN_PRIVATE_KEY ?? ALITH_PRIVATE_KEY],
    },
  },
});
