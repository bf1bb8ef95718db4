#!/usr/bin/env node
import { runOnPinnedNode } from "@darwin/pinned-node";

await runOnPinnedNode({
  name: "darwin-da",
  bin: import.meta.url,
  entry: new URL("../src/cli/main.ts", import.meta.url).href,
});
