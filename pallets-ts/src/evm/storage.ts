import { bytes, type Codec, struct, tuple, u64 } from "@darwin/scale";
import { storageDoubleMap, storageMap } from "../support/storage.ts";
import { H160, H256 } from "../support/types.ts";

export interface CodeMetadata {
  readonly size: bigint;
  readonly hash: Uint8Array;
}
export const CodeMetadata: Codec<CodeMetadata> = struct<CodeMetadata>(
  { size: u64, hash: H256 },
  { path: ["pallet_evm", "CodeMetadata"], typeNames: { size: "u64", hash: "H256" } },
);

/** pallet-evm's layout: an H160 is also the AccountId20 whose System.Account holds balance and nonce. */
export const AccountCodes = storageMap({
  name: "AccountCodes",
  hasher: "Blake2_128Concat",
  key: H160,
  value: bytes,
  default: new Uint8Array(0),
});
export const AccountCodesMetadata = storageMap({
  name: "AccountCodesMetadata",
  hasher: "Blake2_128Concat",
  key: H160,
  value: CodeMetadata,
});
/** A double map so one contract's storage clears by its prefix (SELFDESTRUCT in the creating tx). */
export const AccountStorages = storageDoubleMap<Uint8Array, Uint8Array, Uint8Array>({
  name: "AccountStorages",
  key1: { codec: H160, hasher: "Blake2_128Concat" },
  key2: { codec: H256, hasher: "Blake2_128Concat" },
  keyType: tuple(H160, H256),
  value: H256,
  default: new Uint8Array(32),
});
