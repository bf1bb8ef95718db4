import { bool, bytes, type Codec, fixedBytes, struct, tuple, u32, vec } from "@darwin/scale";
import { call, definePallet, ensureSigned, palletError } from "../support/pallet.ts";
import { storageMap, storageValue } from "../support/storage.ts";
import { AccountId20, AuraId, GrandpaId, weight } from "../support/types.ts";

export interface SessionKeys {
  readonly aura: Uint8Array;
  readonly grandpa: Uint8Array;
}
export const SessionKeysCodec: Codec<SessionKeys> = struct<SessionKeys>(
  { aura: AuraId, grandpa: GrandpaId },
  {
    path: ["darwin_runtime", "SessionKeys"],
    typeNames: {
      aura: "<Aura as RuntimeAppPublic>::Public",
      grandpa: "<Grandpa as RuntimeAppPublic>::Public",
    },
  },
);
const KeyTypeId = fixedBytes(4, ["sp_core", "crypto", "KeyTypeId"]);

export const Validators = storageValue({
  name: "Validators",
  value: vec(AccountId20),
  default: [],
  docs: ["The current set of validators."],
});
export const CurrentIndex = storageValue({
  name: "CurrentIndex",
  value: u32,
  default: 0,
  docs: ["Current index of the session."],
});
export const QueuedChanged = storageValue({
  name: "QueuedChanged",
  value: bool,
  default: false,
  docs: [
    "True if the underlying economic identities or weighting behind the validators has changed in the queued validator set.",
  ],
});
export const QueuedKeys = storageValue({
  name: "QueuedKeys",
  value: vec(tuple(AccountId20, SessionKeysCodec)),
  default: [],
  docs: ["The queued keys for the next session."],
});
export const DisabledValidators = storageValue({
  name: "DisabledValidators",
  value: vec(u32),
  default: [],
  docs: ["Indices of disabled validators."],
});
export const NextKeys = storageMap({
  name: "NextKeys",
  hasher: "Twox64Concat",
  key: AccountId20,
  value: SessionKeysCodec,
  docs: ["The next session keys for a validator."],
});
export const KeyOwner = storageMap({
  name: "KeyOwner",
  hasher: "Twox64Concat",
  key: tuple(KeyTypeId, bytes),
  value: AccountId20,
  docs: ["The owner of a key. The key is the `KeyTypeId` + the encoded key."],
});

const AURA = new Uint8Array([0x61, 0x75, 0x72, 0x61]);
const GRAN = new Uint8Array([0x67, 0x72, 0x61, 0x6e]);

export interface SessionGenesis {
  readonly keys: readonly (readonly [Uint8Array, SessionKeys])[];
}

export function createSessionPallet() {
  const pallet = definePallet<SessionGenesis>({
    name: "Session",
    modulePath: ["pallet_session", "pallet"],
    storage: [Validators, CurrentIndex, QueuedChanged, QueuedKeys, DisabledValidators, NextKeys, KeyOwner],
    calls: {
      set_keys: call<{ keys: SessionKeys; proof: Uint8Array }>({
        index: 0,
        args: { keys: SessionKeysCodec, proof: bytes },
        typeNames: { keys: "T::Keys", proof: "Vec<u8>" },
        weight: () => weight(30_000_000n),
        docs: ["Sets the session key(s) of the function caller to `keys`."],
        dispatch: (ctx, origin, { keys }) => {
          const who = ensureSigned(origin);
          for (const [type, key] of [
            [AURA, keys.aura],
            [GRAN, keys.grandpa],
          ] as const) {
            const owner = KeyOwner.get(ctx.ext, [type, key]);
            if (owner && !owner.every((b, i) => b === who[i])) throw palletError("Session", "DuplicatedKey");
          }
          const old = NextKeys.get(ctx.ext, who);
          if (old) {
            KeyOwner.remove(ctx.ext, [AURA, old.aura]);
            KeyOwner.remove(ctx.ext, [GRAN, old.grandpa]);
          }
          NextKeys.insert(ctx.ext, who, keys);
          KeyOwner.insert(ctx.ext, [AURA, keys.aura], who);
          KeyOwner.insert(ctx.ext, [GRAN, keys.grandpa], who);
        },
      }),
      purge_keys: call<Record<string, never>>({
        index: 1,
        args: {},
        weight: () => weight(25_000_000n),
        docs: ["Removes any session key(s) of the function caller."],
        dispatch: (ctx, origin) => {
          const who = ensureSigned(origin);
          const old = NextKeys.get(ctx.ext, who);
          if (!old) throw palletError("Session", "NoKeys");
          KeyOwner.remove(ctx.ext, [AURA, old.aura]);
          KeyOwner.remove(ctx.ext, [GRAN, old.grandpa]);
          NextKeys.remove(ctx.ext, who);
        },
      }),
    },
    events: {
      NewSession: {
        index: 0,
        fields: { session_index: u32 },
        typeNames: { session_index: "SessionIndex" },
        docs: ["New session has happened."],
      },
    },
    errors: {
      InvalidProof: { index: 0, docs: ["Invalid ownership proof."] },
      NoAssociatedValidatorId: { index: 1, docs: ["No associated validator ID for account."] },
      DuplicatedKey: { index: 2, docs: ["Registered duplicate key."] },
      NoKeys: { index: 3, docs: ["No keys are associated with this account."] },
      NoAccount: {
        index: 4,
        docs: ["Key setting account is not live, so it's impossible to associate keys."],
      },
    },
    genesis: {
      default: { keys: [] },
      build(ctx, config) {
        const validators: Uint8Array[] = [];
        for (const [who, keys] of config.keys) {
          NextKeys.insert(ctx.ext, who, keys);
          KeyOwner.insert(ctx.ext, [AURA, keys.aura], who);
          KeyOwner.insert(ctx.ext, [GRAN, keys.grandpa], who);
          validators.push(who);
        }
        Validators.set(ctx.ext, validators);
        QueuedKeys.set(
          ctx.ext,
          config.keys.map(([w, k]) => [w, k] as [Uint8Array, SessionKeys]),
        );
      },
    },
  });
  return { pallet };
}
