#!/usr/bin/env node
import { runOnPinnedNode } from "@darwin/pinned-node";

await runOnPinnedNode({
  name: "darwin-ai-node",
  bin: import.meta.url,
  entry: new URL("../src/main.ts", import.meta.url).href,
});
