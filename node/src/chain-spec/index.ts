import { readFileSync } from "node:fs";
import { InMemoryBackend, OverlayedExternalities } from "@darwin/pallets/support";
import {
  buildGenesisState,
  type DarwinRuntime,
  type GenesisConfig,
  genesisPreset,
} from "@darwin/runtime-spec";
import { compactU32, encode, fromHex, toHex } from "@darwin/scale";
import { rootOf } from "@darwin/trie";

export type ChainType = "Development" | "Local" | "Live";

export interface ChainSpec {
  readonly name: string;
  readonly id: string;
  readonly chainType: ChainType;
  readonly bootNodes: string[];
  readonly telemetryEndpoints: null;
  readonly protocolId: string;
  readonly properties: Record<string, unknown>;
  readonly codeSubstitutes: Record<string, never>;
  readonly genesis:
    | { readonly runtimeGenesis: { readonly patch: GenesisConfig } }
    | {
        readonly raw: {
          readonly top: Record<string, string>;
          readonly childrenDefault: Record<string, never>;
        };
      };
}

export class ChainSpecError extends Error {
  readonly code = "InvalidChainSpec";
}

export const CHAIN_PROPERTIES = { tokenDecimals: 18, tokenSymbol: "DNA", ss58Format: 42, isEthereum: true };

export function builtinSpec(name: "dev" | "local"): ChainSpec {
  return {
    name: name === "dev" ? "Development" : "Local Testnet",
    id: name,
    chainType: name === "dev" ? "Development" : "Local",
    bootNodes: [],
    telemetryEndpoints: null,
    protocolId: "darwin",
    properties: CHAIN_PROPERTIES,
    codeSubstitutes: {},
    genesis: { runtimeGenesis: { patch: genesisPreset(name) } },
  };
}

/** `--chain dev|local|<path>`. */
export function loadChainSpec(chain: string): ChainSpec {
  if (chain === "dev" || chain === "") return builtinSpec("dev");
  if (chain === "local") return builtinSpec("local");
  let text: string;
  try {
    text = readFileSync(chain, "utf8");
  } catch (err) {
    throw new ChainSpecError(`cannot read chain spec ${chain}: ${(err as Error).message}`);
  }
  let spec: ChainSpec;
  try {
    spec = JSON.parse(text) as ChainSpec;
  } catch (err) {
    throw new ChainSpecError(`chain spec ${chain} is not JSON: ${(err as Error).message}`);
  }
  if (typeof spec.id !== "string" || typeof spec.name !== "string" || typeof spec.genesis !== "object") {
    throw new ChainSpecError(`chain spec ${chain} lacks name, id or genesis`);
  }
  return spec;
}

/** Builds the genesis storage of a spec (plain: by running the pallets' genesis builders). */
export function genesisStorage(spec: ChainSpec, runtime: DarwinRuntime): Map<string, Uint8Array> {
  if ("raw" in spec.genesis) {
    const out = new Map<string, Uint8Array>();
    for (const [k, v] of Object.entries(spec.genesis.raw.top)) out.set(toHex(fromHex(k)), fromHex(v));
    return out;
  }
  const patch = spec.genesis.runtimeGenesis?.patch;
  if (!patch) throw new ChainSpecError("chain spec genesis has neither raw storage nor runtimeGenesis.patch");
  const backend = new InMemoryBackend();
  const ext = new OverlayedExternalities(backend, () => new Uint8Array(32));
  buildGenesisState(runtime, ext, patch);
  const out = new Map<string, Uint8Array>();
  for (const [k, v] of ext.changes()) if (v !== null) out.set(k, v);
  return out;
}

export function toRawSpec(spec: ChainSpec, runtime: DarwinRuntime): ChainSpec {
  const storage = genesisStorage(spec, runtime);
  const top: Record<string, string> = {};
  for (const k of [...storage.keys()].sort()) top[k] = toHex(storage.get(k)!);
  return { ...spec, genesis: { raw: { top, childrenDefault: {} } } };
}

export function emptyExtrinsicsRoot(): Uint8Array {
  return rootOf([]);
}

export function orderedTrieRoot(items: readonly Uint8Array[]): Uint8Array {
  return rootOf(items.map((v, i) => [encode(compactU32, i), v] as const));
}
