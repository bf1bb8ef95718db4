import { enumeration, tuple, u32, u64, vec } from "@darwin/scale";
import { call, definePallet, ensureRoot } from "../support/pallet.ts";
import { storageValue } from "../support/storage.ts";
import { GrandpaId, weight } from "../support/types.ts";

const AuthorityWeight = u64;
export const AuthorityList = vec(tuple(GrandpaId, AuthorityWeight));
export const Authorities = storageValue({
  name: "Authorities",
  value: AuthorityList,
  default: [],
  docs: ["The current list of authorities."],
});
export const CurrentSetId = storageValue({
  name: "CurrentSetId",
  value: u64,
  default: 0n,
  docs: [
    'The number of changes (both in terms of keys and underlying economic responsibilities) in the "set" of Grandpa validators from genesis.',
  ],
});
export const State = storageValue({
  name: "State",
  value: enumeration(
    {
      Live: { index: 0 },
      PendingPause: { index: 1, fields: { scheduled_at: u32, delay: u32 } },
      Paused: { index: 2 },
      PendingResume: { index: 3, fields: { scheduled_at: u32, delay: u32 } },
    },
    { path: ["pallet_grandpa", "StoredState"] },
  ),
  default: { type: "Live" },
  docs: ["State of the current authority set."],
});
export const Stalled = storageValue({
  name: "Stalled",
  value: tuple(u32, u32),
  docs: ["`true` if we are currently stalled."],
});

export interface GrandpaGenesis {
  readonly authorities: readonly (readonly [Uint8Array, bigint])[];
}

export function createGrandpaPallet() {
  const pallet = definePallet<GrandpaGenesis>({
    name: "Grandpa",
    modulePath: ["pallet_grandpa", "pallet"],
    storage: [State, Stalled, CurrentSetId, Authorities],
    calls: {
      note_stalled: call<{ delay: number; best_finalized_block_number: number }>({
        index: 2,
        args: { delay: u32, best_finalized_block_number: u32 },
        typeNames: { delay: "BlockNumberFor<T>", best_finalized_block_number: "BlockNumberFor<T>" },
        weight: () => weight(10_000_000n),
        docs: ["Note that the current authority set of the GRANDPA finality gadget has stalled."],
        dispatch: (ctx, origin, args) => {
          ensureRoot(origin);
          Stalled.set(ctx.ext, [args.delay, args.best_finalized_block_number]);
        },
      }),
    },
    events: {
      NewAuthorities: {
        index: 0,
        fields: { authority_set: AuthorityList },
        typeNames: { authority_set: "AuthorityList" },
        docs: ["New authority set has been applied."],
      },
      Paused: { index: 1, docs: ["Current authority set has been paused."] },
      Resumed: { index: 2, docs: ["Current authority set has been resumed."] },
    },
    errors: {
      PauseFailed: { index: 0 },
      ResumeFailed: { index: 1 },
      ChangePending: { index: 2 },
      TooSoon: { index: 3 },
      InvalidKeyOwnershipProof: { index: 4 },
      InvalidEquivocationProof: { index: 5 },
      DuplicateOffenceReport: { index: 6 },
    },
    constants: {
      MaxAuthorities: { codec: u32, value: 100, docs: ["Max Authorities in use"] },
      MaxNominators: { codec: u32, value: 0, docs: ["The maximum number of nominators for each validator."] },
      MaxSetIdSessionEntries: {
        codec: u64,
        value: 0n,
        docs: ["The maximum number of entries to keep in the set id to session index mapping."],
      },
    },
    genesis: {
      default: { authorities: [] },
      build(ctx, config) {
        Authorities.set(
          ctx.ext,
          config.authorities.map(([k, w]) => [k, w] as [Uint8Array, bigint]),
        );
      },
    },
  });
  return { pallet };
}
