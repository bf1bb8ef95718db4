import { createReadStream, createWriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { cryptoReady } from "@darwin/crypto";
import { createLogger } from "@darwin/observability";
import { aura } from "@darwin/pallets";
import { Header } from "@darwin/pallets/support";
import { DarwinRuntime } from "@darwin/runtime-spec";
import { decode, fromHex, toHex } from "@darwin/scale";
import { Chain } from "../chain/chain.ts";
import { loadChainSpec, orderedTrieRoot } from "../chain-spec/index.ts";
import { verifySeal } from "../consensus/aura.ts";
import { chainDbPath, openChainDb } from "../db/index.ts";
import { CliError, type ParsedArgs, type RunOptions } from "./args.ts";

async function openChain(opts: RunOptions) {
  if (!opts.basePath) throw new CliError("this command needs --base-path");
  await cryptoReady();
  const logger = createLogger({ name: "darwin-node", level: "warn", pretty: true });
  const spec = loadChainSpec(opts.chain);
  const db = openChainDb({ path: chainDbPath(opts.basePath, spec.id) }, { logger });
  const chain = new Chain({ spec }, { db, runtime: new DarwinRuntime({ orderedTrieRoot }), logger });
  await chain.init();
  return { chain, db };
}

/** One JSON object per line: `{ "header": hex, "extrinsics": [hex], "justification": hex|null }`. */
export async function exportBlocks(parsed: ParsedArgs, opts: RunOptions): Promise<number> {
  const { chain, db } = await openChain(opts);
  const from = Number(parsed.flags.get("from")?.at(-1) ?? 1);
  const to = Number(parsed.flags.get("to")?.at(-1) ?? chain.best().number);
  const target = parsed.positionals[0];
  const file = target ? createWriteStream(target) : undefined;
  const out: NodeJS.WritableStream = file ?? process.stdout;
  for (let n = from; n <= to; n++) {
    const hash = chain.hashAt(n);
    if (!hash) break;
    const line = {
      header: toHex(db.header(hash)!),
      extrinsics: (chain.extrinsics(hash) ?? []).map(toHex),
      justification: db.justification(hash) ? toHex(db.justification(hash)!) : null,
    };
    out.write(`${JSON.stringify(line)}\n`);
  }
  if (file) await new Promise<void>((resolve) => file.end(resolve));
  await db.close();
  return 0;
}

/** Imports blocks exported by `export-blocks`, re-executing each and checking its seal and roots. */
export async function importBlocks(parsed: ParsedArgs, opts: RunOptions): Promise<number> {
  const { chain, db } = await openChain(opts);
  const source = parsed.positionals[0];
  const rl = createInterface({
    input: source ? createReadStream(source) : process.stdin,
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let imported = 0;
  try {
    for await (const line of rl) {
      if (line.trim() === "") continue;
      const rec = JSON.parse(line) as { header: string; extrinsics: string[]; justification: string | null };
      const header = decode(Header, fromHex(rec.header));
      const authorities = aura.Authorities.get(chain.stateAt(header.parentHash).ext);
      await chain.importBlock(header, rec.extrinsics.map(fromHex), {
        finalize: rec.justification !== null,
        verifySeal: (h) => verifySeal(h, authorities),
      });
      imported++;
    }
  } finally {
    await db.close();
  }
  console.log(`Imported ${imported} blocks. Best: #${chain.best().number}`);
  return 0;
}
