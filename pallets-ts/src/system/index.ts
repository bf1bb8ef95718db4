import { blake2_256 } from "@darwin/crypto";
import { bytes, type Codec, compactU32, lazy, str, struct, u16, u32, u64, vec, Writer } from "@darwin/scale";
import type { Externalities } from "../support/externalities.ts";
import { type Ctx, call, definePallet, ensureRoot, ensureSigned } from "../support/pallet.ts";
import { storageMap, storagePrefix, storageValue } from "../support/storage.ts";
import {
  AccountId20,
  type AccountInfo,
  AccountInfo as AccountInfoCodec,
  BlockNumber,
  Digest,
  DispatchErrorCodec,
  DispatchInfo,
  H256,
  Phase,
  Weight,
  weight,
} from "../support/types.ts";

const ZERO_HASH = new Uint8Array(32);

export const EMPTY_ACCOUNT: AccountInfo = {
  nonce: 0,
  consumers: 0,
  providers: 0,
  sufficients: 0,
  data: { free: 0n, reserved: 0n, frozen: 0n, flags: 0n },
};

export const Account = storageMap({
  name: "Account",
  hasher: "Blake2_128Concat",
  key: AccountId20,
  value: AccountInfoCodec,
  default: EMPTY_ACCOUNT,
  docs: ["The full account information for a particular account ID."],
});
export const ExtrinsicCount = storageValue({
  name: "ExtrinsicCount",
  value: u32,
  docs: ["Total extrinsics count for the current block."],
});
export const AllExtrinsicsLen = storageValue({
  name: "AllExtrinsicsLen",
  value: u32,
  docs: ["Total length (in bytes) for all extrinsics put together, for the current block."],
});
export const BlockWeightUsed = storageValue({
  name: "BlockWeight",
  value: Weight,
  default: { refTime: 0n, proofSize: 0n },
  docs: ["The weight used so far in this block."],
});
export const BlockHash = storageMap({
  name: "BlockHash",
  hasher: "Twox64Concat",
  key: BlockNumber,
  value: H256,
  default: ZERO_HASH,
  docs: ["Map of block numbers to block hashes."],
});
export const ExtrinsicData = storageMap({
  name: "ExtrinsicData",
  hasher: "Twox64Concat",
  key: u32,
  value: bytes,
  default: new Uint8Array(),
  docs: ["Extrinsics data for the current block (maps an extrinsic's index to its data)."],
});
export const Number_ = storageValue({
  name: "Number",
  value: BlockNumber,
  default: 0,
  docs: ["The current block number being processed. Set by `execute_block`."],
});
export const ParentHash = storageValue({
  name: "ParentHash",
  value: H256,
  default: ZERO_HASH,
  docs: ["Hash of the previous block."],
});
export const DigestStorage = storageValue({
  name: "Digest",
  value: Digest,
  default: { logs: [] },
  docs: ["Digest of the current block, also part of the block header."],
});
export const EventCount = storageValue({
  name: "EventCount",
  value: u32,
  default: 0,
  docs: ["The number of events in the `Events<T>` list."],
});
export const ExecutionPhase = storageValue({
  name: "ExecutionPhase",
  value: Phase,
  docs: ["The execution phase of the block."],
});

export interface LastRuntimeUpgradeInfo {
  readonly specVersion: number;
  readonly specName: string;
}
export const LastRuntimeUpgrade = storageValue({
  name: "LastRuntimeUpgrade",
  value: struct<LastRuntimeUpgradeInfo>(
    { specVersion: compactU32, specName: str },
    { path: ["frame_system", "LastRuntimeUpgradeInfo"] },
  ),
  docs: ["Stores the `spec_version` and `spec_name` of when the last runtime upgrade happened."],
});

/** System config, given by the runtime (its version, its event record type, its limits). */
export interface SystemConfig {
  readonly blockHashCount: number;
  readonly ss58Prefix: number;
  /** The runtime's `EventRecord` codec: only known once the runtime lists its pallets. */
  readonly eventsCodec: () => Codec<unknown[]>;
  readonly version: { readonly codec: Codec<unknown>; readonly value: unknown };
  readonly dbWeight: { readonly read: bigint; readonly write: bigint };
  readonly blockWeights: { readonly codec: Codec<unknown>; readonly value: unknown };
  readonly blockLength: { readonly codec: Codec<unknown>; readonly value: unknown };
}

const RuntimeDbWeight = struct({ read: u64, write: u64 }, { path: ["sp_weights", "RuntimeDbWeight"] });

export function createSystemPallet(config: SystemConfig) {
  // The Events item's value type is the runtime's Vec<EventRecord>, resolved lazily.
  const Events = storageValue({
    name: "Events",
    value: lazy(config.eventsCodec),
    default: [],
    docs: ["Events deposited for the current block."],
  });
  const pallet = definePallet({
    name: "System",
    modulePath: ["frame_system", "pallet"],
    storage: [
      Account,
      ExtrinsicCount,
      BlockWeightUsed,
      AllExtrinsicsLen,
      BlockHash,
      ExtrinsicData,
      Number_,
      ParentHash,
      DigestStorage,
      Events,
      EventCount,
      LastRuntimeUpgrade,
      ExecutionPhase,
    ],
    calls: {
      remark: call<{ remark: Uint8Array }>({
        index: 0,
        args: { remark: bytes },
        typeNames: { remark: "Vec<u8>" },
        weight: ({ remark }) => weight(1_000_000n + BigInt(remark.length) * 1_000n),
        docs: ["Make some on-chain remark."],
        dispatch: (_ctx, origin) => {
          ensureSigned(origin);
        },
      }),
      set_storage: call<{ items: [Uint8Array, Uint8Array][] }>({
        index: 4,
        args: { items: vec(tupleBytes()) },
        typeNames: { items: "Vec<KeyValue>" },
        weight: ({ items }) => weight(10_000_000n * BigInt(items.length)),
        docs: ["Set some items of storage."],
        dispatch: (ctx, origin, { items }) => {
          ensureRoot(origin);
          for (const [k, v] of items) ctx.ext.set(k, v);
        },
      }),
      kill_storage: call<{ keys: Uint8Array[] }>({
        index: 5,
        args: { keys: vec(bytes) },
        typeNames: { keys: "Vec<Key>" },
        weight: ({ keys }) => weight(10_000_000n * BigInt(keys.length)),
        docs: ["Kill some items from storage."],
        dispatch: (ctx, origin, { keys }) => {
          ensureRoot(origin);
          for (const k of keys) ctx.ext.clear(k);
        },
      }),
      kill_prefix: call<{ prefix: Uint8Array; subkeys: number }>({
        index: 6,
        args: { prefix: bytes, subkeys: u32 },
        typeNames: { prefix: "Key", subkeys: "u32" },
        weight: ({ subkeys }) => weight(10_000_000n * BigInt(subkeys + 1)),
        docs: ["Kill all storage items with a key that starts with the given prefix."],
        dispatch: (ctx, origin, { prefix, subkeys }) => {
          ensureRoot(origin);
          ctx.ext.clearPrefix(prefix, subkeys);
        },
      }),
      remark_with_event: call<{ remark: Uint8Array }>({
        index: 7,
        args: { remark: bytes },
        typeNames: { remark: "Vec<u8>" },
        weight: ({ remark }) => weight(2_000_000n + BigInt(remark.length) * 1_000n),
        docs: ["Make some on-chain remark and emit event."],
        dispatch: (ctx, origin, { remark }) => {
          const sender = ensureSigned(origin);
          ctx.deposit("System", "Remarked", { sender, hash: blake2_256(remark) });
        },
      }),
    },
    events: {
      ExtrinsicSuccess: {
        index: 0,
        fields: { dispatch_info: DispatchInfo },
        typeNames: { dispatch_info: "DispatchInfo" },
        docs: ["An extrinsic completed successfully."],
      },
      ExtrinsicFailed: {
        index: 1,
        fields: { dispatch_error: DispatchErrorCodec, dispatch_info: DispatchInfo },
        typeNames: { dispatch_error: "DispatchError", dispatch_info: "DispatchInfo" },
        docs: ["An extrinsic failed."],
      },
      CodeUpdated: { index: 2, docs: ["`:code` was updated."] },
      NewAccount: {
        index: 3,
        fields: { account: AccountId20 },
        typeNames: { account: "T::AccountId" },
        docs: ["A new account was created."],
      },
      KilledAccount: {
        index: 4,
        fields: { account: AccountId20 },
        typeNames: { account: "T::AccountId" },
        docs: ["An account was reaped."],
      },
      Remarked: {
        index: 5,
        fields: { sender: AccountId20, hash: H256 },
        typeNames: { sender: "T::AccountId", hash: "T::Hash" },
        docs: ["On on-chain remark happened."],
      },
    },
    errors: {
      InvalidSpecName: { index: 0 },
      SpecVersionNeedsToIncrease: { index: 1 },
      FailedToExtractRuntimeVersion: { index: 2 },
      NonDefaultComposite: { index: 3 },
      NonZeroRefCount: { index: 4 },
      CallFiltered: { index: 5 },
    },
    constants: {
      BlockWeights: { ...config.blockWeights, docs: ["Block & extrinsics weights: base values and limits."] },
      BlockLength: { ...config.blockLength, docs: ["The maximum length of a block (in bytes)."] },
      BlockHashCount: {
        codec: BlockNumber,
        value: config.blockHashCount,
        docs: ["Maximum number of block number to block hash mappings to keep (oldest pruned first)."],
      },
      DbWeight: {
        codec: RuntimeDbWeight,
        value: config.dbWeight,
        docs: ["The weight of runtime database operations the runtime can invoke."],
      },
      Version: { ...config.version, docs: ["Get the chain's in-code version."] },
      SS58Prefix: {
        codec: u16,
        value: config.ss58Prefix,
        docs: ["The designated SS58 prefix of this chain."],
      },
    },
  });
  return { pallet, Events, config };
}

function tupleBytes(): Codec<[Uint8Array, Uint8Array]> {
  return {
    info: { def: { tag: "tuple", of: [bytes, bytes] } },
    encodeTo(v, w) {
      bytes.encodeTo(v[0], w);
      bytes.encodeTo(v[1], w);
    },
    decodeFrom(r) {
      return [bytes.decodeFrom(r), bytes.decodeFrom(r)];
    },
  };
}

// ---- Functions other pallets and the executive call (frame_system::Pallet<T>) ----

export function accountOf(ext: Externalities, who: Uint8Array): AccountInfo {
  return Account.get(ext, who);
}

export function blockNumber(ext: Externalities): number {
  return Number_.get(ext);
}

/** Writes an account, creating or reaping it as providers change (NewAccount/KilledAccount). */
export function writeAccount(ctx: Ctx, who: Uint8Array, info: AccountInfo): void {
  const existed = Account.contains(ctx.ext, who);
  const empty =
    info.providers === 0 &&
    info.sufficients === 0 &&
    info.nonce === 0 &&
    info.data.free === 0n &&
    info.data.reserved === 0n;
  if (
    info.providers === 0 &&
    info.sufficients === 0 &&
    info.consumers === 0 &&
    info.data.free === 0n &&
    info.data.reserved === 0n
  ) {
    if (existed) {
      Account.remove(ctx.ext, who);
      ctx.deposit("System", "KilledAccount", { account: who });
    }
    return;
  }
  if (!existed && !empty) ctx.deposit("System", "NewAccount", { account: who });
  Account.insert(ctx.ext, who, info);
}

export function incNonce(ext: Externalities, who: Uint8Array): void {
  const info = Account.get(ext, who);
  Account.insert(ext, who, { ...info, nonce: info.nonce + 1 });
}

/** Appends an `EventRecord` (already encoded runtime event) to System.Events. */
export function depositEventBytes(
  ext: Externalities,
  eventBytes: Uint8Array,
  topics: readonly Uint8Array[],
): void {
  const phase = ExecutionPhase.get(ext) ?? { type: "Initialization" as const };
  const w = new Writer(eventBytes.length + 16);
  Phase.encodeTo(phase, w);
  w.bytes(eventBytes);
  vec(H256).encodeTo([...topics], w);
  ext.append(eventsKey(), w.finish());
  EventCount.set(ext, EventCount.get(ext) + 1);
}

let eventsKeyCache: Uint8Array | undefined;
function eventsKey(): Uint8Array {
  eventsKeyCache ??= storagePrefix("System", "Events");
  return eventsKeyCache;
}

/** Starts a block (frame_system::initialize). */
export function initializeBlock(
  ext: Externalities,
  number: number,
  parentHash: Uint8Array,
  digest: Digest,
): void {
  ExecutionPhase.set(ext, { type: "Initialization" });
  Number_.set(ext, number);
  ParentHash.set(ext, parentHash);
  DigestStorage.set(ext, digest);
  if (number > 0) BlockHash.insert(ext, number - 1, parentHash);
  ext.clear(eventsKey());
  EventCount.kill(ext);
  BlockWeightUsed.kill(ext);
  AllExtrinsicsLen.kill(ext);
}

export function noteExtrinsic(ext: Externalities, index: number, encoded: Uint8Array): void {
  ExtrinsicData.insert(ext, index, encoded);
}

export function noteAppliedExtrinsic(ext: Externalities, index: number): void {
  ExtrinsicCount.set(ext, index + 1);
  ExecutionPhase.set(ext, { type: "ApplyExtrinsic", value: index + 1 });
}

export function noteFinishedInitialize(ext: Externalities): void {
  ExecutionPhase.set(ext, { type: "ApplyExtrinsic", value: 0 });
}

export function noteFinishedExtrinsics(ext: Externalities): void {
  ExecutionPhase.set(ext, { type: "Finalization" });
}

/** Finishes a block: prunes old hashes, clears per-block data; returns what the header needs. */
export function finalizeBlock(
  ext: Externalities,
  blockHashCount: number,
  orderedTrieRoot: (items: Uint8Array[]) => Uint8Array,
): { number: number; parentHash: Uint8Array; digest: Digest; extrinsicsRoot: Uint8Array } {
  ExecutionPhase.kill(ext);
  AllExtrinsicsLen.kill(ext);
  const number = Number_.get(ext);
  const parentHash = ParentHash.get(ext);
  const digest = DigestStorage.get(ext);
  const count = ExtrinsicCount.get(ext) ?? 0;
  ExtrinsicCount.kill(ext);
  const extrinsics: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    extrinsics.push(ExtrinsicData.get(ext, i));
    ExtrinsicData.remove(ext, i);
  }
  const toRemove = number - 1 - blockHashCount;
  if (toRemove >= 0) BlockHash.remove(ext, toRemove);
  return { number, parentHash, digest, extrinsicsRoot: orderedTrieRoot(extrinsics) };
}
