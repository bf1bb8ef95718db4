import {
  bool,
  bytes,
  type Codec,
  compactU32,
  compactU64,
  enumeration,
  fixedBytes,
  newtype,
  struct,
  u8,
  u32,
  u64,
  u128,
  vec,
} from "@darwin/scale";

/** 20-byte unified account (Moonbeam's `fp_account::AccountId20`). */
export const AccountId20: Codec<Uint8Array> = newtype(
  ["fp_account", "AccountId20"],
  fixedBytes(20),
  "[u8; 20]",
);
export const H256: Codec<Uint8Array> = fixedBytes(32, ["primitive_types", "H256"]);
export const H160: Codec<Uint8Array> = fixedBytes(20, ["primitive_types", "H160"]);
export const EcdsaSignature: Codec<Uint8Array> = newtype(
  ["sp_core", "ecdsa", "Signature"],
  fixedBytes(65),
  "[u8; 65]",
);
/** `fp_account::EthereumSignature`: secp256k1 over keccak256 of the signing payload. */
export const EthereumSignature: Codec<Uint8Array> = newtype(
  ["fp_account", "EthereumSignature"],
  EcdsaSignature,
  "ecdsa::Signature",
);
export const Sr25519Public: Codec<Uint8Array> = newtype(
  ["sp_core", "sr25519", "Public"],
  fixedBytes(32),
  "[u8; 32]",
);
export const Ed25519Public: Codec<Uint8Array> = newtype(
  ["sp_core", "ed25519", "Public"],
  fixedBytes(32),
  "[u8; 32]",
);
export const AuraId: Codec<Uint8Array> = newtype(
  ["sp_consensus_aura", "sr25519", "app_sr25519", "Public"],
  Sr25519Public,
  "sr25519::Public",
);
export const GrandpaId: Codec<Uint8Array> = newtype(
  ["sp_consensus_grandpa", "app", "Public"],
  Ed25519Public,
  "ed25519::Public",
);

export type Balance = bigint;
export const Balance: Codec<bigint> = u128;
export const BlockNumber: Codec<number> = u32;

export interface Weight {
  readonly refTime: bigint;
  readonly proofSize: bigint;
}
export const Weight: Codec<Weight> = struct<Weight>(
  { refTime: compactU64, proofSize: compactU64 },
  { path: ["sp_weights", "weight_v2", "Weight"], typeNames: { refTime: "u64", proofSize: "u64" } },
);
export const ZERO_WEIGHT: Weight = { refTime: 0n, proofSize: 0n };
export function weight(refTime: bigint, proofSize = 0n): Weight {
  return { refTime, proofSize };
}
export function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

export function addWeight(a: Weight, b: Weight): Weight {
  return { refTime: a.refTime + b.refTime, proofSize: a.proofSize + b.proofSize };
}

export type DispatchClass = { type: "Normal" } | { type: "Operational" } | { type: "Mandatory" };
export const DispatchClass: Codec<DispatchClass> = enumeration<DispatchClass>(
  { Normal: { index: 0 }, Operational: { index: 1 }, Mandatory: { index: 2 } },
  { path: ["frame_support", "dispatch", "DispatchClass"] },
);
export type Pays = { type: "Yes" } | { type: "No" };
export const Pays: Codec<Pays> = enumeration<Pays>(
  { Yes: { index: 0 }, No: { index: 1 } },
  { path: ["frame_support", "dispatch", "Pays"] },
);

export interface DispatchInfo {
  readonly weight: Weight;
  readonly class: DispatchClass;
  readonly paysFee: Pays;
}
export const DispatchInfo: Codec<DispatchInfo> = struct<DispatchInfo>(
  { weight: Weight, class: DispatchClass, paysFee: Pays },
  { path: ["frame_support", "dispatch", "DispatchInfo"] },
);

export interface ModuleError {
  readonly index: number;
  readonly error: Uint8Array;
}
export const ModuleError: Codec<ModuleError> = struct<ModuleError>(
  { index: u8, error: fixedBytes(4) },
  {
    path: ["sp_runtime", "ModuleError"],
    typeNames: { index: "u8", error: "[u8; MAX_MODULE_ERROR_ENCODED_SIZE]" },
  },
);

const TokenError = enumeration(
  {
    FundsUnavailable: { index: 0 },
    OnlyProvider: { index: 1 },
    BelowMinimum: { index: 2 },
    CannotCreate: { index: 3 },
    UnknownAsset: { index: 4 },
    Frozen: { index: 5 },
    Unsupported: { index: 6 },
    CannotCreateHold: { index: 7 },
    NotExpendable: { index: 8 },
    Blocked: { index: 9 },
  },
  { path: ["sp_runtime", "TokenError"] },
);
const ArithmeticError = enumeration(
  { Underflow: { index: 0 }, Overflow: { index: 1 }, DivisionByZero: { index: 2 } },
  { path: ["sp_arithmetic", "ArithmeticError"] },
);
const TransactionalErrorType = enumeration(
  { LimitReached: { index: 0 }, NoLayer: { index: 1 } },
  { path: ["sp_runtime", "TransactionalError"] },
);

export type DispatchErrorValue =
  | { type: "Other" }
  | { type: "CannotLookup" }
  | { type: "BadOrigin" }
  | { type: "Module"; value: ModuleError }
  | { type: "ConsumerRemaining" }
  | { type: "NoProviders" }
  | { type: "TooManyConsumers" }
  | { type: "Token"; value: { type: string } }
  | { type: "Arithmetic"; value: { type: "Underflow" | "Overflow" | "DivisionByZero" } }
  | { type: "Transactional"; value: { type: string } }
  | { type: "Exhausted" }
  | { type: "Corruption" }
  | { type: "Unavailable" }
  | { type: "RootNotAllowed" };

export const DispatchErrorCodec: Codec<DispatchErrorValue> = enumeration<DispatchErrorValue>(
  {
    Other: { index: 0 },
    CannotLookup: { index: 1 },
    BadOrigin: { index: 2 },
    Module: { index: 3, value: ModuleError },
    ConsumerRemaining: { index: 4 },
    NoProviders: { index: 5 },
    TooManyConsumers: { index: 6 },
    Token: { index: 7, value: TokenError },
    Arithmetic: { index: 8, value: ArithmeticError },
    Transactional: { index: 9, value: TransactionalErrorType },
    Exhausted: { index: 10 },
    Corruption: { index: 11 },
    Unavailable: { index: 12 },
    RootNotAllowed: { index: 13 },
  },
  { path: ["sp_runtime", "DispatchError"] },
);

export interface AccountData {
  readonly free: bigint;
  readonly reserved: bigint;
  readonly frozen: bigint;
  readonly flags: bigint;
}
export const AccountData: Codec<AccountData> = struct<AccountData>(
  {
    free: u128,
    reserved: u128,
    frozen: u128,
    flags: newtype(["pallet_balances", "types", "ExtraFlags"], u128, "u128"),
  },
  {
    path: ["pallet_balances", "types", "AccountData"],
    typeNames: { free: "Balance", reserved: "Balance", frozen: "Balance", flags: "ExtraFlags" },
  },
);

export interface AccountInfo {
  readonly nonce: number;
  readonly consumers: number;
  readonly providers: number;
  readonly sufficients: number;
  readonly data: AccountData;
}
export const AccountInfo: Codec<AccountInfo> = struct<AccountInfo>(
  { nonce: u32, consumers: u32, providers: u32, sufficients: u32, data: AccountData },
  {
    path: ["frame_system", "AccountInfo"],
    typeNames: {
      nonce: "Nonce",
      consumers: "RefCount",
      providers: "RefCount",
      sufficients: "RefCount",
      data: "AccountData",
    },
  },
);

export type DigestItem =
  | { type: "Other"; value: Uint8Array }
  | { type: "Consensus"; value: [Uint8Array, Uint8Array] }
  | { type: "Seal"; value: [Uint8Array, Uint8Array] }
  | { type: "PreRuntime"; value: [Uint8Array, Uint8Array] }
  | { type: "RuntimeEnvironmentUpdated" };

const EngineAndData = [
  { type: fixedBytes(4), typeName: "ConsensusEngineId" },
  { type: bytes, typeName: "Vec<u8>" },
] as const;
export const DigestItem: Codec<DigestItem> = enumeration<DigestItem>(
  {
    Other: { index: 0, value: bytes },
    Consensus: { index: 4, tupleFields: EngineAndData },
    Seal: { index: 5, tupleFields: EngineAndData },
    PreRuntime: { index: 6, tupleFields: EngineAndData },
    RuntimeEnvironmentUpdated: { index: 8 },
  },
  { path: ["sp_runtime", "generic", "digest", "DigestItem"] },
);

export interface Digest {
  readonly logs: DigestItem[];
}
export const Digest: Codec<Digest> = struct<Digest>(
  { logs: vec(DigestItem) },
  { path: ["sp_runtime", "generic", "digest", "Digest"] },
);

export interface Header {
  readonly parentHash: Uint8Array;
  readonly number: number;
  readonly stateRoot: Uint8Array;
  readonly extrinsicsRoot: Uint8Array;
  readonly digest: Digest;
}
export const Header: Codec<Header> = struct<Header>(
  { parentHash: H256, number: compactU32, stateRoot: H256, extrinsicsRoot: H256, digest: Digest },
  {
    path: ["sp_runtime", "generic", "header", "Header"],
    typeNames: {
      parentHash: "Hash::Output",
      number: "Number",
      stateRoot: "Hash::Output",
      extrinsicsRoot: "Hash::Output",
      digest: "Digest",
    },
  },
);

export type Phase =
  | { type: "ApplyExtrinsic"; value: number }
  | { type: "Finalization" }
  | { type: "Initialization" };
export const Phase: Codec<Phase> = enumeration<Phase>(
  { ApplyExtrinsic: { index: 0, value: u32 }, Finalization: { index: 1 }, Initialization: { index: 2 } },
  { path: ["frame_system", "Phase"] },
);

export const Slot: Codec<bigint> = newtype(["sp_consensus_slots", "Slot"], u64, "u64");
export const Moment: Codec<bigint> = u64;
export { bool };
