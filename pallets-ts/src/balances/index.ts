import {
  bool,
  type Codec,
  compactU128,
  enumeration,
  fixedBytes,
  struct,
  u32,
  u128,
  vec,
} from "@darwin/scale";
import type { Externalities } from "../support/externalities.ts";
import {
  type Ctx,
  call,
  DispatchError,
  definePallet,
  ensureRoot,
  ensureSigned,
  palletError,
} from "../support/pallet.ts";
import { storageMap, storageValue } from "../support/storage.ts";
import { AccountId20, type AccountInfo, Balance, minBig, weight } from "../support/types.ts";
import { Account, writeAccount } from "../system/index.ts";

export const TotalIssuance = storageValue({
  name: "TotalIssuance",
  value: Balance,
  default: 0n,
  docs: ["The total units issued in the system."],
});
export const InactiveIssuance = storageValue({
  name: "InactiveIssuance",
  value: Balance,
  default: 0n,
  docs: ["The total units of outstanding deactivated balance in the system."],
});

const BalanceLock = struct(
  {
    id: fixedBytes(8),
    amount: u128,
    reasons: enumeration(
      { Fee: { index: 0 }, Misc: { index: 1 }, All: { index: 2 } },
      { path: ["pallet_balances", "types", "Reasons"] },
    ),
  },
  { path: ["pallet_balances", "types", "BalanceLock"] },
);
const ReserveData = struct(
  { id: fixedBytes(8), amount: u128 },
  { path: ["pallet_balances", "types", "ReserveData"] },
);
export const Locks = storageMap({
  name: "Locks",
  hasher: "Blake2_128Concat",
  key: AccountId20,
  value: vec(BalanceLock),
  default: [],
  docs: ["Any liquidity locks on some account balances."],
});
export const Reserves = storageMap({
  name: "Reserves",
  hasher: "Blake2_128Concat",
  key: AccountId20,
  value: vec(ReserveData),
  default: [],
  docs: ["Named reserves on some account balances."],
});

/** Darwin's reasons for holding funds; staking and the AI roles hold under their own reason. */
export type HoldReason = { readonly type: string };
export const RuntimeHoldReason: Codec<HoldReason> = enumeration<HoldReason>(
  {
    Staking: { index: 0 },
    AiNode: { index: 1 },
    QueryMixer: { index: 2 },
    DaProvider: { index: 3 },
    Validator: { index: 4 },
  },
  { path: ["darwin_runtime", "RuntimeHoldReason"] },
);
export interface HoldEntry {
  readonly id: HoldReason;
  readonly amount: bigint;
}
const IdAmount: Codec<HoldEntry> = struct<HoldEntry>(
  { id: RuntimeHoldReason, amount: u128 },
  { path: ["frame_support", "traits", "tokens", "misc", "IdAmount"] },
);
export const Holds = storageMap({
  name: "Holds",
  hasher: "Blake2_128Concat",
  key: AccountId20,
  value: vec(IdAmount),
  default: [],
  docs: ["Holds on account balances."],
});
export const Freezes = storageMap({
  name: "Freezes",
  hasher: "Blake2_128Concat",
  key: AccountId20,
  value: vec(
    struct(
      { id: fixedBytes(8), amount: u128 },
      { path: ["frame_support", "traits", "tokens", "misc", "IdAmountFreeze"] },
    ),
  ),
  default: [],
  docs: ["Freeze locks on account balances."],
});

export interface BalancesConfig {
  readonly existentialDeposit: bigint;
  readonly maxHolds?: number;
}

export interface BalancesGenesis {
  readonly balances: readonly (readonly [Uint8Array, bigint])[];
}

export const BALANCES = "Balances";
const err = (name: string) => palletError(BALANCES, name);

/** The fungible-currency functions other pallets use (fees, staking, EVM value transfer). */
export interface Currency {
  readonly existentialDeposit: bigint;
  free(ext: Externalities, who: Uint8Array): bigint;
  /** Moves `amount`; `keepAlive` forbids reaping the sender. */
  transfer(ctx: Ctx, from: Uint8Array, to: Uint8Array, amount: bigint, keepAlive: boolean): void;
  /** Takes `amount` out of circulation from `who` (fees, AI usage): total issuance drops. */
  burnFrom(ctx: Ctx, who: Uint8Array, amount: bigint, keepAlive: boolean): void;
  /** Withdraws without touching issuance; the caller must deposit or burn it. */
  withdraw(ctx: Ctx, who: Uint8Array, amount: bigint, keepAlive: boolean): void;
  /** Credits `amount` that was withdrawn earlier (issuance unchanged). */
  depositWithdrawn(ctx: Ctx, who: Uint8Array, amount: bigint): void;
  /** Creates new units for `who` (block rewards): total issuance rises. */
  mint(ctx: Ctx, who: Uint8Array, amount: bigint): void;
  /** Drops issuance for units already withdrawn (the burned half of a fee). */
  burnWithdrawn(ctx: Ctx, amount: bigint): void;
  hold(ctx: Ctx, reason: HoldReason, who: Uint8Array, amount: bigint): void;
  release(ctx: Ctx, reason: HoldReason, who: Uint8Array, amount: bigint): bigint;
  balanceOnHold(ext: Externalities, reason: HoldReason, who: Uint8Array): bigint;
}

export function createBalancesPallet(config: BalancesConfig) {
  const ed = config.existentialDeposit;
  const maxHolds = config.maxHolds ?? 8;

  /** Sets `who`'s free balance; creates the account (provider) or reaps it below ED. Returns dust. */
  function setFree(ctx: Ctx, who: Uint8Array, info: AccountInfo, free: bigint, allowDeath: boolean): bigint {
    const wasAlive = info.providers > 0;
    let providers = info.providers;
    let dust = 0n;
    let newFree = free;
    if (newFree + info.data.reserved < ed) {
      if (!allowDeath && wasAlive) throw err("Expendability");
      // Below the existential deposit the remainder is dust: it leaves the system.
      dust = newFree;
      newFree = 0n;
      if (info.data.reserved === 0n && wasAlive) providers -= 1;
    } else if (!wasAlive) {
      providers = 1;
    }
    const next: AccountInfo = { ...info, providers, data: { ...info.data, free: newFree } };
    if (providers === 0 && info.consumers > 0 && wasAlive)
      throw new DispatchError({ type: "ConsumerRemaining" });
    writeAccount(ctx, who, next);
    if (!wasAlive && providers > 0) ctx.deposit(BALANCES, "Endowed", { account: who, free_balance: newFree });
    if (dust > 0n) {
      TotalIssuance.set(ctx.ext, TotalIssuance.get(ctx.ext) - dust);
      ctx.deposit(BALANCES, "DustLost", { account: who, amount: dust });
    }
    return dust;
  }

  function spendable(info: AccountInfo): bigint {
    const frozen = info.data.frozen > info.data.reserved ? info.data.frozen - info.data.reserved : 0n;
    return info.data.free > frozen ? info.data.free - frozen : 0n;
  }

  function debit(ctx: Ctx, who: Uint8Array, amount: bigint, keepAlive: boolean): void {
    const info = Account.get(ctx.ext, who);
    if (info.data.free < amount) throw err("InsufficientBalance");
    if (spendable(info) < amount) throw err("LiquidityRestrictions");
    const remaining = info.data.free - amount;
    if (keepAlive && remaining + info.data.reserved < ed && info.providers > 0) throw err("Expendability");
    setFree(ctx, who, info, remaining, true);
  }

  function credit(ctx: Ctx, who: Uint8Array, amount: bigint): void {
    const info = Account.get(ctx.ext, who);
    const free = info.data.free + amount;
    if (info.providers === 0 && free + info.data.reserved < ed) throw err("ExistentialDeposit");
    setFree(ctx, who, info, free, false);
  }

  const currency: Currency = {
    existentialDeposit: ed,
    free: (ext, who) => Account.get(ext, who).data.free,
    transfer(ctx, from, to, amount, keepAlive) {
      if (amount === 0n || equal(from, to)) return;
      debit(ctx, from, amount, keepAlive);
      credit(ctx, to, amount);
      ctx.deposit(BALANCES, "Transfer", { from, to, amount });
    },
    burnFrom(ctx, who, amount, keepAlive) {
      if (amount === 0n) return;
      debit(ctx, who, amount, keepAlive);
      TotalIssuance.set(ctx.ext, TotalIssuance.get(ctx.ext) - amount);
      ctx.deposit(BALANCES, "Burned", { who, amount });
    },
    withdraw(ctx, who, amount, keepAlive) {
      if (amount === 0n) return;
      debit(ctx, who, amount, keepAlive);
      ctx.deposit(BALANCES, "Withdraw", { who, amount });
    },
    depositWithdrawn(ctx, who, amount) {
      if (amount === 0n) return;
      const info = Account.get(ctx.ext, who);
      if (info.providers === 0 && info.data.free + amount < ed) {
        // Too small to create an account: it stays out of circulation.
        currency.burnWithdrawn(ctx, amount);
        return;
      }
      credit(ctx, who, amount);
      ctx.deposit(BALANCES, "Deposit", { who, amount });
    },
    mint(ctx, who, amount) {
      if (amount === 0n) return;
      credit(ctx, who, amount);
      TotalIssuance.set(ctx.ext, TotalIssuance.get(ctx.ext) + amount);
      ctx.deposit(BALANCES, "Minted", { who, amount });
    },
    burnWithdrawn(ctx, amount) {
      if (amount === 0n) return;
      TotalIssuance.set(ctx.ext, TotalIssuance.get(ctx.ext) - amount);
      ctx.deposit(BALANCES, "Rescinded", { amount });
    },
    hold(ctx, reason, who, amount) {
      if (amount === 0n) return;
      const info = Account.get(ctx.ext, who);
      if (spendable(info) < amount) throw err("InsufficientBalance");
      const holds = Holds.get(ctx.ext, who);
      const existing = holds.find((h) => h.id.type === reason.type);
      if (!existing && holds.length >= maxHolds) throw err("TooManyHolds");
      const nextHolds = existing
        ? holds.map((h) => (h.id.type === reason.type ? { id: h.id, amount: h.amount + amount } : h))
        : [...holds, { id: reason, amount }];
      writeAccount(ctx, who, {
        ...info,
        consumers: existing || holds.length > 0 ? info.consumers : info.consumers + 1,
        data: { ...info.data, free: info.data.free - amount, reserved: info.data.reserved + amount },
      });
      Holds.insert(ctx.ext, who, nextHolds);
      ctx.deposit(BALANCES, "Reserved", { who, amount });
    },
    release(ctx, reason, who, amount) {
      const holds = Holds.get(ctx.ext, who);
      const existing = holds.find((h) => h.id.type === reason.type);
      if (!existing) return 0n;
      const released = minBig(amount, existing.amount);
      const nextHolds = holds
        .map((h) => (h.id.type === reason.type ? { id: h.id, amount: h.amount - released } : h))
        .filter((h) => h.amount > 0n);
      const info = Account.get(ctx.ext, who);
      writeAccount(ctx, who, {
        ...info,
        consumers: nextHolds.length === 0 && info.consumers > 0 ? info.consumers - 1 : info.consumers,
        data: { ...info.data, free: info.data.free + released, reserved: info.data.reserved - released },
      });
      if (nextHolds.length === 0) Holds.remove(ctx.ext, who);
      else Holds.insert(ctx.ext, who, nextHolds);
      ctx.deposit(BALANCES, "Unreserved", { who, amount: released });
      return released;
    },
    balanceOnHold: (ext, reason, who) =>
      Holds.get(ext, who).find((h) => h.id.type === reason.type)?.amount ?? 0n,
  };

  const pallet = definePallet<BalancesGenesis>({
    name: BALANCES,
    modulePath: ["pallet_balances", "pallet"],
    storage: [TotalIssuance, InactiveIssuance, Locks, Reserves, Holds, Freezes],
    calls: {
      transfer_allow_death: call<{ dest: Uint8Array; value: bigint }>({
        index: 0,
        args: { dest: AccountId20, value: compactU128 },
        typeNames: { dest: "AccountIdLookupOf<T>", value: "T::Balance" },
        weight: () => weight(60_000_000n, 3_593n),
        docs: ["Transfer some liquid free balance to another account."],
        dispatch: (ctx, origin, { dest, value }) => {
          currency.transfer(ctx, ensureSigned(origin), dest, value, false);
        },
      }),
      force_transfer: call<{ source: Uint8Array; dest: Uint8Array; value: bigint }>({
        index: 2,
        args: { source: AccountId20, dest: AccountId20, value: compactU128 },
        typeNames: { source: "AccountIdLookupOf<T>", dest: "AccountIdLookupOf<T>", value: "T::Balance" },
        weight: () => weight(62_000_000n, 6_196n),
        docs: [
          "Exactly as `transfer_allow_death`, except the origin must be root and the source account may be specified.",
        ],
        dispatch: (ctx, origin, { source, dest, value }) => {
          ensureRoot(origin);
          currency.transfer(ctx, source, dest, value, false);
        },
      }),
      transfer_keep_alive: call<{ dest: Uint8Array; value: bigint }>({
        index: 3,
        args: { dest: AccountId20, value: compactU128 },
        typeNames: { dest: "AccountIdLookupOf<T>", value: "T::Balance" },
        weight: () => weight(48_000_000n, 3_593n),
        docs: [
          "Same as `transfer_allow_death`, but with a check that the transfer will not kill the origin account.",
        ],
        dispatch: (ctx, origin, { dest, value }) => {
          currency.transfer(ctx, ensureSigned(origin), dest, value, true);
        },
      }),
      transfer_all: call<{ dest: Uint8Array; keep_alive: boolean }>({
        index: 4,
        args: { dest: AccountId20, keep_alive: bool },
        typeNames: { dest: "AccountIdLookupOf<T>", keep_alive: "bool" },
        weight: () => weight(50_000_000n, 3_593n),
        docs: ["Transfer the entire transferable balance from the caller account."],
        dispatch: (ctx, origin, { dest, keep_alive }) => {
          const who = ensureSigned(origin);
          const info = Account.get(ctx.ext, who);
          let amount = spendable(info);
          if (keep_alive) amount = amount > ed ? amount - ed : 0n;
          currency.transfer(ctx, who, dest, amount, keep_alive);
        },
      }),
      force_unreserve: call<{ who: Uint8Array; amount: bigint }>({
        index: 5,
        args: { who: AccountId20, amount: u128 },
        typeNames: { who: "AccountIdLookupOf<T>", amount: "T::Balance" },
        weight: () => weight(20_000_000n),
        docs: ["Unreserve some balance from a user by force."],
        dispatch: (ctx, origin, { who, amount }) => {
          ensureRoot(origin);
          let left = amount;
          for (const h of Holds.get(ctx.ext, who)) {
            if (left === 0n) break;
            left -= currency.release(ctx, h.id, who, left);
          }
        },
      }),
      force_set_balance: call<{ who: Uint8Array; new_free: bigint }>({
        index: 8,
        args: { who: AccountId20, new_free: compactU128 },
        typeNames: { who: "AccountIdLookupOf<T>", new_free: "T::Balance" },
        weight: () => weight(25_000_000n),
        docs: ["Set the regular balance of a given account."],
        dispatch: (ctx, origin, { who, new_free }) => {
          ensureRoot(origin);
          const info = Account.get(ctx.ext, who);
          const old = info.data.free;
          setFree(ctx, who, info, new_free, true);
          const now = Account.get(ctx.ext, who).data.free;
          TotalIssuance.set(ctx.ext, TotalIssuance.get(ctx.ext) - old + now);
          ctx.deposit(BALANCES, "BalanceSet", { who, free: now });
        },
      }),
    },
    events: {
      Endowed: {
        index: 0,
        fields: { account: AccountId20, free_balance: u128 },
        typeNames: { account: "T::AccountId", free_balance: "T::Balance" },
        docs: ["An account was created with some free balance."],
      },
      DustLost: {
        index: 1,
        fields: { account: AccountId20, amount: u128 },
        typeNames: { account: "T::AccountId", amount: "T::Balance" },
        docs: [
          "An account was removed whose balance was non-zero but below ExistentialDeposit, resulting in an outright loss.",
        ],
      },
      Transfer: {
        index: 2,
        fields: { from: AccountId20, to: AccountId20, amount: u128 },
        typeNames: { from: "T::AccountId", to: "T::AccountId", amount: "T::Balance" },
        docs: ["Transfer succeeded."],
      },
      BalanceSet: {
        index: 3,
        fields: { who: AccountId20, free: u128 },
        typeNames: { who: "T::AccountId", free: "T::Balance" },
        docs: ["A balance was set by root."],
      },
      Reserved: {
        index: 4,
        fields: { who: AccountId20, amount: u128 },
        typeNames: { who: "T::AccountId", amount: "T::Balance" },
        docs: ["Some balance was reserved (moved from free to reserved)."],
      },
      Unreserved: {
        index: 5,
        fields: { who: AccountId20, amount: u128 },
        typeNames: { who: "T::AccountId", amount: "T::Balance" },
        docs: ["Some balance was unreserved (moved from reserved to free)."],
      },
      Deposit: {
        index: 7,
        fields: { who: AccountId20, amount: u128 },
        typeNames: { who: "T::AccountId", amount: "T::Balance" },
        docs: ["Some amount was deposited (e.g. for transaction fees)."],
      },
      Withdraw: {
        index: 8,
        fields: { who: AccountId20, amount: u128 },
        typeNames: { who: "T::AccountId", amount: "T::Balance" },
        docs: ["Some amount was withdrawn from the account (e.g. for transaction fees)."],
      },
      Minted: {
        index: 10,
        fields: { who: AccountId20, amount: u128 },
        typeNames: { who: "T::AccountId", amount: "T::Balance" },
        docs: ["Some amount was minted into an account."],
      },
      Burned: {
        index: 11,
        fields: { who: AccountId20, amount: u128 },
        typeNames: { who: "T::AccountId", amount: "T::Balance" },
        docs: ["Some amount was burned from an account."],
      },
      Rescinded: {
        index: 16,
        fields: { amount: u128 },
        typeNames: { amount: "T::Balance" },
        docs: ["Total issuance was decreased by `amount`, creating a credit to be balanced."],
      },
    },
    errors: {
      VestingBalance: { index: 0, docs: ["Vesting balance too high to send value."] },
      LiquidityRestrictions: { index: 1, docs: ["Account liquidity restrictions prevent withdrawal."] },
      InsufficientBalance: { index: 2, docs: ["Balance too low to send value."] },
      ExistentialDeposit: { index: 3, docs: ["Value too low to create account due to existential deposit."] },
      Expendability: { index: 4, docs: ["Transfer/payment would kill account."] },
      ExistingVestingSchedule: { index: 5 },
      DeadAccount: { index: 6, docs: ["Beneficiary account must pre-exist."] },
      TooManyReserves: { index: 7 },
      TooManyHolds: { index: 8, docs: ["Number of holds exceed `VariantCountOf<T::RuntimeHoldReason>`."] },
      TooManyFreezes: { index: 9 },
      IssuanceDeactivated: { index: 10 },
      DeltaZero: { index: 11 },
    },
    constants: {
      ExistentialDeposit: {
        codec: u128,
        value: ed,
        docs: ["The minimum amount required to keep an account open."],
      },
      MaxLocks: {
        codec: u32,
        value: 50,
        docs: ["The maximum number of locks that should exist on an account."],
      },
      MaxReserves: {
        codec: u32,
        value: 50,
        docs: ["The maximum number of named reserves that can exist on an account."],
      },
      MaxFreezes: {
        codec: u32,
        value: 8,
        docs: ["The maximum number of individual freeze locks that can exist on an account at any time."],
      },
    },
    genesis: {
      default: { balances: [] },
      build(ctx, config) {
        let total = 0n;
        for (const [who, amount] of config.balances) {
          if (amount < ed) throw new Error(`genesis balance of ${amount} is below the existential deposit`);
          const info = Account.get(ctx.ext, who);
          Account.insert(ctx.ext, who, {
            ...info,
            providers: info.providers + (info.providers === 0 ? 1 : 0),
            data: { ...info.data, free: info.data.free + amount },
          });
          total += amount;
        }
        TotalIssuance.set(ctx.ext, TotalIssuance.get(ctx.ext) + total);
      },
    },
  });
  return { pallet, currency };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
