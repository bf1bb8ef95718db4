import { blake2b } from "@noble/hashes/blake2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { xxhashAsU8a } from "@polkadot/util-crypto";

export function blake2_256(data: Uint8Array): Uint8Array {
  return blake2b(data, { dkLen: 32 });
}

export function blake2_128(data: Uint8Array): Uint8Array {
  return blake2b(data, { dkLen: 16 });
}

export function keccak256(data: Uint8Array): Uint8Array {
  return keccak_256(data);
}

/** xxHash64-based, as Substrate's `twox_64` / `twox_128` / `twox_256`. */
export function twox64(data: Uint8Array): Uint8Array {
  return xxhashAsU8a(data, 64);
}

export function twox128(data: Uint8Array): Uint8Array {
  return xxhashAsU8a(data, 128);
}

export function twox256(data: Uint8Array): Uint8Array {
  return xxhashAsU8a(data, 256);
}
