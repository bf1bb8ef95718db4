import { type Codec, option, result, unit } from "@darwin/scale";
import { call, definePallet, ensureSigned, palletError, type RuntimeCall } from "../support/pallet.ts";
import { storageValue } from "../support/storage.ts";
import {
  AccountId20,
  addWeight,
  DispatchErrorCodec,
  type DispatchErrorValue,
  Weight,
  weight,
} from "../support/types.ts";

export const Key = storageValue({
  name: "Key",
  value: AccountId20,
  docs: ["The `AccountId` of the sudo key."],
});

const SudoResult = result(unit, DispatchErrorCodec);

function sameAccount(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface SudoGenesis {
  readonly key: Uint8Array | undefined;
}

/** `callCodec` is the runtime's RuntimeCall, known only once the runtime is composed. */
export function createSudoPallet(callCodec: Codec<RuntimeCall>) {
  const ensureSudo = (origin: Parameters<typeof ensureSigned>[0], ext: Parameters<typeof Key.get>[0]) => {
    const who = ensureSigned(origin);
    const key = Key.get(ext);
    if (!key || !sameAccount(key, who)) throw palletError("Sudo", "RequireSudo");
    return who;
  };
  const outcomeValue = (o: { ok: boolean; error?: DispatchErrorValue }) =>
    o.ok ? { ok: null } : { err: (o as { error: DispatchErrorValue }).error };

  const pallet = definePallet<SudoGenesis>({
    name: "Sudo",
    modulePath: ["pallet_sudo", "pallet"],
    storage: [Key],
    calls: {
      sudo: call<{ call: RuntimeCall }>({
        index: 0,
        args: { call: callCodec },
        typeNames: { call: "Box<<T as Config>::RuntimeCall>" },
        weight: () => weight(20_000_000n),
        docs: ["Authenticates the sudo key and dispatches a function call with `Root` origin."],
        dispatch: async (ctx, origin, args) => {
          ensureSudo(origin, ctx.ext);
          const outcome = await ctx.dispatch({ kind: "root" }, args.call);
          ctx.deposit("Sudo", "Sudid", { sudo_result: outcomeValue(outcome) });
          return { paysFee: { type: "No" } };
        },
      }),
      sudo_unchecked_weight: call<{ call: RuntimeCall; weight: Weight }>({
        index: 1,
        args: { call: callCodec, weight: Weight },
        typeNames: { call: "Box<<T as Config>::RuntimeCall>", weight: "Weight" },
        weight: (a) => addWeight(a.weight, weight(10_000_000n)),
        docs: [
          "Authenticates the sudo key and dispatches a function call with `Root` origin, with the given weight.",
        ],
        dispatch: async (ctx, origin, args) => {
          ensureSudo(origin, ctx.ext);
          const outcome = await ctx.dispatch({ kind: "root" }, args.call);
          ctx.deposit("Sudo", "Sudid", { sudo_result: outcomeValue(outcome) });
          return { paysFee: { type: "No" } };
        },
      }),
      set_key: call<{ new: Uint8Array }>({
        index: 2,
        args: { new: AccountId20 },
        typeNames: { new: "AccountIdLookupOf<T>" },
        weight: () => weight(10_000_000n),
        docs: [
          "Authenticates the current sudo key and sets the given AccountId (`new`) as the new sudo key.",
        ],
        dispatch: (ctx, origin, args) => {
          const old = ensureSudo(origin, ctx.ext);
          Key.set(ctx.ext, args.new);
          ctx.deposit("Sudo", "KeyChanged", { old, new: args.new });
          return { paysFee: { type: "No" } };
        },
      }),
      sudo_as: call<{ who: Uint8Array; call: RuntimeCall }>({
        index: 3,
        args: { who: AccountId20, call: callCodec },
        typeNames: { who: "AccountIdLookupOf<T>", call: "Box<<T as Config>::RuntimeCall>" },
        weight: () => weight(20_000_000n),
        docs: [
          "Authenticates the sudo key and dispatches a function call with `Signed` origin from a given account.",
        ],
        dispatch: async (ctx, origin, args) => {
          ensureSudo(origin, ctx.ext);
          const outcome = await ctx.dispatch({ kind: "signed", who: args.who }, args.call);
          ctx.deposit("Sudo", "SudoAsDone", { sudo_result: outcomeValue(outcome) });
          return { paysFee: { type: "No" } };
        },
      }),
      remove_key: call<Record<string, never>>({
        index: 4,
        args: {},
        weight: () => weight(10_000_000n),
        docs: ["Permanently removes the sudo key."],
        dispatch: (ctx, origin) => {
          ensureSudo(origin, ctx.ext);
          Key.kill(ctx.ext);
          ctx.deposit("Sudo", "KeyRemoved");
          return { paysFee: { type: "No" } };
        },
      }),
    },
    events: {
      Sudid: {
        index: 0,
        fields: { sudo_result: SudoResult },
        typeNames: { sudo_result: "DispatchResult" },
        docs: ["A sudo call just took place."],
      },
      KeyChanged: {
        index: 1,
        fields: { old: option(AccountId20), new: AccountId20 },
        typeNames: { old: "Option<T::AccountId>", new: "T::AccountId" },
        docs: ["The sudo key has been updated."],
      },
      KeyRemoved: { index: 2, docs: ["The key was permanently removed."] },
      SudoAsDone: {
        index: 3,
        fields: { sudo_result: SudoResult },
        typeNames: { sudo_result: "DispatchResult" },
        docs: ["A [sudo_as](Pallet::sudo_as) call just took place."],
      },
    },
    errors: { RequireSudo: { index: 0, docs: ["Sender must be the Sudo account."] } },
    genesis: {
      default: { key: undefined },
      build(ctx, config) {
        if (config.key) Key.set(ctx.ext, config.key);
      },
    },
  });
  return { pallet };
}
