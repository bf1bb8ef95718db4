import { keccak256 } from "@darwin/crypto";
import type { AccountFields, StateManagerInterface } from "@ethereumjs/common";
import { Account, type Address, bytesToHex, KECCAK256_NULL, KECCAK256_RLP } from "@ethereumjs/util";
import type { Ctx } from "../support/pallet.ts";
import type { AccountInfo } from "../support/types.ts";
import { Account as SystemAccount, writeAccount } from "../system/index.ts";
import { AccountCodes, AccountCodesMetadata, AccountStorages, type CodeMetadata } from "./storage.ts";

export class StateNotBoundError extends Error {
  readonly code = "StateNotBound";
}

const EMPTY = new Uint8Array(0);
const CODE_CACHE_ENTRIES = 1024;

/**
 * A storage key or value left-padded to 32 bytes (ethereumjs's `setLengthLeft` pads through array
 * spreads); longer inputs are refused as ethereumjs refuses them.
 */
function pad32(b: Uint8Array): Uint8Array {
  if (b.length === 32) return b;
  if (b.length > 32) throw new Error(`storage word of ${b.length} bytes exceeds 32`);
  const out = new Uint8Array(32);
  out.set(b, 32 - b.length);
  return out;
}

function stripLeadingZeros(v: Uint8Array): Uint8Array {
  let i = 0;
  while (i < v.length && v[i] === 0) i++;
  return i === 0 ? v : v.subarray(i);
}

/**
 * ethereumjs's state manager over runtime storage. Balance and nonce are System.Account's (the H160
 * is the AccountId20); code and storage live in pallet-evm's maps. EVM checkpoints are the runtime's
 * transactional layers, so a reverted frame drops exactly the storage writes it made, and nothing is
 * cached across calls: the overlay is the cache.
 *
 * One address is virtual: the fee pot, set as the block's coinbase. ethereumjs credits the priority
 * fee there; the EVM pallet reads it back and routes the whole fee through OnChargeTransaction.
 */
export class RuntimeStateManager implements StateManagerInterface {
  private ctx: Ctx | undefined;
  private readonly feePot: string;
  private readonly feePotBytes: Uint8Array;
  private potBalance = 0n;
  private readonly original = new Map<string, Uint8Array>();
  /**
   * Decoded accounts (System.Account + code metadata) read during one execution. Writes go through
   * to storage and update it; it is dropped on revert and whenever code outside the state manager
   * (precompiles, the fee hook) may write accounts, so it never disagrees with the overlay.
   */
  private readonly accounts = new Map<string, { info: AccountInfo; meta: CodeMetadata | undefined }>();
  /**
   * Contract code by code hash: content-addressed, so never stale. Besides skipping the storage
   * decode, handing out one array per code lets the interpreter's jump analysis be cached by array.
   */
  private readonly codeByHash = new Map<string, Uint8Array>();

  constructor(feePot: Uint8Array) {
    this.feePot = bytesToHex(feePot);
    this.feePotBytes = feePot;
  }

  /** Points the state manager at the storage of the call being executed. */
  bind(ctx: Ctx | undefined): void {
    this.ctx = ctx;
    this.potBalance = 0n;
    this.original.clear();
    this.accounts.clear();
  }

  /** Forgets cached accounts: storage may have been written behind the state manager's back. */
  invalidate(): void {
    this.accounts.clear();
  }

  private cached(address: Address): { info: AccountInfo; meta: CodeMetadata | undefined } {
    const k = address.toString();
    let hit = this.accounts.get(k);
    if (!hit) {
      const ext = this.c.ext;
      hit = {
        info: SystemAccount.get(ext, address.bytes),
        meta: AccountCodesMetadata.get(ext, address.bytes),
      };
      this.accounts.set(k, hit);
    }
    return hit;
  }

  /** Takes what ethereumjs paid to the coinbase since the last call. */
  takeFeePot(): bigint {
    const v = this.potBalance;
    this.potBalance = 0n;
    return v;
  }

  private get c(): Ctx {
    if (!this.ctx) throw new StateNotBoundError("the EVM state manager is used outside an execution");
    return this.ctx;
  }

  readonly originalStorageCache = {
    get: async (address: Address, key: Uint8Array): Promise<Uint8Array> => {
      const k = `${address.toString()}${bytesToHex(key)}`;
      const hit = this.original.get(k);
      if (hit) return hit;
      const v = await this.getStorage(address, key);
      this.original.set(k, v);
      return v;
    },
    clear: (): void => {
      this.original.clear();
    },
  };

  async getAccount(address: Address): Promise<Account | undefined> {
    return this.readAccount(address);
  }

  /** Synchronous read, for precompiles and runtime APIs. */
  readAccount(address: Address): Account | undefined {
    if (address.toString() === this.feePot) return new Account(0n, this.potBalance);
    const { info, meta } = this.cached(address);
    if (info.nonce === 0 && info.data.free === 0n && info.providers === 0 && meta === undefined)
      return undefined;
    return new Account(
      BigInt(info.nonce),
      info.data.free,
      KECCAK256_RLP,
      meta?.hash ?? KECCAK256_NULL,
      meta ? Number(meta.size) : 0,
    );
  }

  async putAccount(address: Address, account?: Account): Promise<void> {
    if (account === undefined) return this.deleteAccount(address);
    if (address.toString() === this.feePot) {
      this.potBalance = account.balance;
      return;
    }
    const ctx = this.c;
    const entry = this.cached(address);
    const info = entry.info;
    const nonce = Number(account.nonce);
    if (nonce === info.nonce && account.balance === info.data.free) return;
    let providers = info.providers;
    // The EVM creates accounts by touching them; give them a provider so System keeps them.
    if (providers === 0 && (account.balance > 0n || nonce > 0)) providers = 1;
    const next: AccountInfo = { ...info, nonce, providers, data: { ...info.data, free: account.balance } };
    writeAccount(ctx, address.bytes, next);
    entry.info = next;
  }

  async deleteAccount(address: Address): Promise<void> {
    if (address.toString() === this.feePot) {
      this.potBalance = 0n;
      return;
    }
    const ctx = this.c;
    this.accounts.delete(address.toString());
    const info = SystemAccount.get(ctx.ext, address.bytes);
    AccountCodes.remove(ctx.ext, address.bytes);
    AccountCodesMetadata.remove(ctx.ext, address.bytes);
    AccountStorages.clear(ctx.ext, address.bytes);
    if (info.consumers === 0 && info.data.reserved === 0n) {
      writeAccount(ctx, address.bytes, {
        ...info,
        nonce: 0,
        providers: 0,
        sufficients: 0,
        data: { ...info.data, free: 0n },
      });
    } else {
      writeAccount(ctx, address.bytes, { ...info, nonce: 0, data: { ...info.data, free: 0n } });
    }
  }

  async modifyAccountFields(address: Address, fields: AccountFields): Promise<void> {
    const account = (await this.getAccount(address)) ?? new Account();
    if (fields.nonce !== undefined) account.nonce = fields.nonce;
    if (fields.balance !== undefined) account.balance = fields.balance;
    await this.putAccount(address, account);
  }

  async putCode(address: Address, value: Uint8Array): Promise<void> {
    const ext = this.c.ext;
    this.accounts.delete(address.toString());
    if (value.length === 0) {
      AccountCodes.remove(ext, address.bytes);
      AccountCodesMetadata.remove(ext, address.bytes);
      return;
    }
    AccountCodes.insert(ext, address.bytes, value);
    AccountCodesMetadata.insert(ext, address.bytes, { size: BigInt(value.length), hash: keccak256(value) });
    const info = SystemAccount.get(ext, address.bytes);
    if (info.providers === 0) writeAccount(this.c, address.bytes, { ...info, providers: 1 });
  }

  async getCode(address: Address): Promise<Uint8Array> {
    const meta = this.cached(address).meta;
    if (meta === undefined) return EMPTY;
    const key = Buffer.from(meta.hash.buffer, meta.hash.byteOffset, meta.hash.byteLength).toString("latin1");
    let code = this.codeByHash.get(key);
    if (code === undefined) {
      code = AccountCodes.get(this.c.ext, address.bytes);
      if (this.codeByHash.size >= CODE_CACHE_ENTRIES) this.codeByHash.clear();
      this.codeByHash.set(key, code);
    }
    return code;
  }

  /** Whether `address` has code (AccountCodesMetadata present), read through the account cache. */
  hasCode(address: Address): boolean {
    return this.cached(address).meta !== undefined;
  }

  async getCodeSize(address: Address): Promise<number> {
    return Number(this.cached(address).meta?.size ?? 0n);
  }

  async getStorage(address: Address, key: Uint8Array): Promise<Uint8Array> {
    const v = AccountStorages.get(this.c.ext, address.bytes, pad32(key));
    return v === undefined ? EMPTY : stripLeadingZeros(v);
  }

  async putStorage(address: Address, key: Uint8Array, value: Uint8Array): Promise<void> {
    const ext = this.c.ext;
    const k = pad32(key);
    const v = stripLeadingZeros(value);
    if (v.length === 0) AccountStorages.remove(ext, address.bytes, k);
    else AccountStorages.insert(ext, address.bytes, k, pad32(v));
  }

  async clearStorage(address: Address): Promise<void> {
    AccountStorages.clear(this.c.ext, address.bytes);
  }

  async checkpoint(): Promise<void> {
    this.c.ext.startTransaction();
  }

  async commit(): Promise<void> {
    this.c.ext.commitTransaction();
  }

  async revert(): Promise<void> {
    this.c.ext.rollbackTransaction();
    this.accounts.clear();
  }

  /** Frontier keeps no Ethereum state trie: the Substrate state root commits to EVM state. */
  async getStateRoot(): Promise<Uint8Array> {
    return new Uint8Array(32);
  }

  async setStateRoot(): Promise<void> {
    throw new Error("the runtime state manager has no Ethereum state roots to move to");
  }

  async hasStateRoot(): Promise<boolean> {
    return false;
  }

  clearCaches(): void {
    this.original.clear();
    this.accounts.clear();
  }

  shallowCopy(): StateManagerInterface {
    const copy = new RuntimeStateManager(this.feePotBytes);
    copy.ctx = this.ctx;
    return copy;
  }
}
