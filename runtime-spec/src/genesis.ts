import { DEV_AUTHORITY_NAMES, devEthereumAccounts, keyPairFromUri, ss58Decode } from "@darwin/crypto";
import { type evm, system } from "@darwin/pallets";
import type { Externalities } from "@darwin/pallets/support";
import { DNA } from "./darwin.ts";
import type { DarwinRuntime } from "./runtime.ts";

/** The runtime genesis config, as the plain chain spec's `genesis.runtimeGenesis.patch` holds it. */
export interface GenesisConfig {
  readonly balances: { readonly balances: readonly (readonly [string, string | number])[] };
  readonly sudo: { readonly key: string | null };
  readonly aura: { readonly authorities: readonly string[] };
  readonly grandpa: { readonly authorities: readonly (readonly [string, number])[] };
  /** Validators: account, aura key, grandpa key (hex). */
  readonly session: {
    readonly keys: readonly (readonly [
      string,
      string,
      { readonly aura: string; readonly grandpa: string },
    ])[];
  };
  /**
   * Frontier's `evm.accounts`: accounts and contracts that exist at genesis, keyed by H160. `balance`
   * (decimal or 0x) is added to the account's Balances genesis balance; `nonce`, `code` and
   * `storage` (32-byte keys and values) go where the EVM pallet keeps them.
   */
  readonly evm?: { readonly accounts: Readonly<Record<string, EvmGenesisAccount>> };
}

export interface EvmGenesisAccount {
  readonly balance?: string | number;
  readonly nonce?: string | number;
  readonly code?: string;
  readonly storage?: Readonly<Record<string, string>>;
}

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;

/** A preset: `dev` has Alith alone as authority and sudo; `local` has Alice and Bob as authorities. */
export function genesisPreset(name: "dev" | "local"): GenesisConfig {
  const accounts = devEthereumAccounts();
  const authorityCount = name === "dev" ? 1 : 2;
  const validators = accounts.slice(0, authorityCount).map((acct, i) => {
    const who = DEV_AUTHORITY_NAMES[i]!;
    const auraKey = keyPairFromUri("sr25519", `//${who}`).publicKey;
    const granKey = keyPairFromUri("ed25519", `//${who}`).publicKey;
    return { account: hex(acct.address), aura: hex(auraKey), grandpa: hex(granKey) };
  });
  return {
    balances: { balances: accounts.map((a) => [hex(a.address), (1_000_000n * DNA).toString()] as const) },
    sudo: { key: hex(accounts[0]!.address) },
    aura: { authorities: validators.map((v) => v.aura) },
    grandpa: { authorities: validators.map((v) => [v.grandpa, 1] as const) },
    session: {
      keys: validators.map((v) => [v.account, v.account, { aura: v.aura, grandpa: v.grandpa }] as const),
    },
  };
}

export class GenesisError extends Error {
  readonly code = "InvalidGenesis";
}

/** Keys and accounts as hex; authority keys may also be SS58, as zombienet writes them. */
function bytesOf(h: string): Uint8Array {
  if (/^0x([0-9a-fA-F]{2})*$/.test(h)) return Uint8Array.from(Buffer.from(h.slice(2), "hex"));
  try {
    return ss58Decode(h);
  } catch {
    throw new GenesisError(`genesis: ${h} is neither hex nor an SS58 address`);
  }
}

function isSs58Of32Bytes(h: string): boolean {
  if (h.startsWith("0x")) return false;
  try {
    return ss58Decode(h).length === 32;
  } catch {
    return false;
  }
}

function accountOf(h: string): Uint8Array {
  const b = bytesOf(h);
  if (b.length !== 20) throw new GenesisError(`genesis: account ${h} is not a 20-byte account`);
  return b;
}

function hexBytes(h: string, what: string, length?: number): Uint8Array {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(h))
    throw new GenesisError(`genesis: ${what} ${h} is not 0x-prefixed hex`);
  const b = Uint8Array.from(Buffer.from(h.slice(2), "hex"));
  if (length !== undefined && b.length !== length)
    throw new GenesisError(`genesis: ${what} ${h} is not ${length} bytes`);
  return b;
}

function amountOf(v: string | number, what: string): bigint {
  try {
    const n = BigInt(v);
    if (n < 0n) throw new Error("negative");
    return n;
  } catch {
    throw new GenesisError(`genesis: ${what} ${String(v)} is not a non-negative integer`);
  }
}

/** `evm.accounts` as the EVM pallet's genesis and the balances it adds. */
function evmGenesis(config: GenesisConfig) {
  const accounts: evm.GenesisAccount[] = [];
  const balances: [Uint8Array, bigint][] = [];
  for (const [address, a] of Object.entries(config.evm?.accounts ?? {})) {
    const who = hexBytes(address, "EVM account", 20);
    const nonce = a.nonce === undefined ? 0n : amountOf(a.nonce, `nonce of ${address}`);
    if (nonce > 0xffff_ffffn) throw new GenesisError(`genesis: nonce of ${address} exceeds u32`);
    const balance = a.balance === undefined ? 0n : amountOf(a.balance, `balance of ${address}`);
    if (balance > 0n) balances.push([who, balance]);
    accounts.push({
      address: who,
      code: a.code === undefined ? new Uint8Array(0) : hexBytes(a.code, `code of ${address}`),
      storage: Object.entries(a.storage ?? {}).map(
        ([k, v]) => [hexBytes(k, "storage key", 32), hexBytes(v, "storage value", 32)] as const,
      ),
      nonce: Number(nonce),
    });
  }
  return { accounts, balances };
}

/** Runs every pallet's genesis build into `ext` (GenesisBuilder::build_state). */
export function buildGenesisState(rt: DarwinRuntime, ext: Externalities, config: GenesisConfig): void {
  const ctx = rt.ctx(ext);
  const fromEvm = evmGenesis(config);
  const byName: Record<string, unknown> = {
    Balances: {
      // zombienet adds an SS58 (32-byte, sr25519) endowment per node; Darwin accounts are 20 bytes and
      // no 32-byte key maps to one, so those entries are left out rather than guessed at.
      balances: [
        ...config.balances.balances
          .filter(([who]) => !isSs58Of32Bytes(who))
          .map(([who, amount]) => [accountOf(who), BigInt(amount)]),
        ...fromEvm.balances,
      ],
    },
    EVM: { accounts: fromEvm.accounts },
    Sudo: { key: config.sudo.key ? accountOf(config.sudo.key) : undefined },
    Aura: { authorities: config.aura.authorities.map(bytesOf) },
    Grandpa: { authorities: config.grandpa.authorities.map(([k, w]) => [bytesOf(k), BigInt(w)]) },
    Session: {
      keys: config.session.keys.map(([who, , keys]) => [
        bytesOf(who),
        { aura: bytesOf(keys.aura), grandpa: bytesOf(keys.grandpa) },
      ]),
    },
  };
  for (const e of rt.composed.entries) {
    const g = e.pallet.spec.genesis;
    if (g) g.build(ctx, byName[e.pallet.name] ?? g.default);
  }
  // As Substrate's genesis does, BlockHash(0) and ParentHash start as hash69 (0x4545..); block 1
  // records the real genesis hash, which CheckGenesis then reads.
  system.BlockHash.insert(ext, 0, new Uint8Array(32).fill(69));
  system.ParentHash.set(ext, new Uint8Array(32).fill(69));
  system.LastRuntimeUpgrade.set(ext, { specVersion: rt.version.specVersion, specName: rt.version.specName });
  system.EventCount.kill(ext);
  ext.set(CODE_KEY, runtimeCode(rt));
}

/** The well-known `:code` key clients read to detect runtime upgrades. */
export const CODE_KEY = new TextEncoder().encode(":code");

/**
 * What `:code` holds for a TypeScript runtime: an identifier of the runtime build (name, versions)
 * rather than a Wasm blob; it changes exactly when the runtime does.
 */
export function runtimeCode(rt: DarwinRuntime): Uint8Array {
  const v = rt.version;
  return new TextEncoder().encode(
    `darwin-ts-runtime:${v.specName}:${v.specVersion}:${v.implName}:${v.implVersion}:${v.transactionVersion}`,
  );
}
