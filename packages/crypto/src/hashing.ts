import { xxhashAsU8a } from "@polkadot/util-crypto";
import { createBLAKE2b, createKeccak, type IHasher } from "hash-wasm";

// hash-wasm's WebAssembly hashers are 5-15x faster than pure-JS ones on the short inputs a chain
// hashes most (storage keys, trie nodes, transactions): ~0.4 us against ~3.7 us for blake2b-256 of
// 32 bytes, ~1 us against ~4.5 us for keccak-256. Compiling them is asynchronous, hence the
// top-level await; afterwards each hasher is reused synchronously (a JS caller cannot interleave).
const [blake256, blake128, keccak] = await Promise.all([
  createBLAKE2b(256),
  createBLAKE2b(128),
  createKeccak(256),
]);

function digest(hasher: IHasher, data: Uint8Array): Uint8Array {
  hasher.init();
  hasher.update(data);
  return hasher.digest("binary");
}

export function blake2_256(data: Uint8Array): Uint8Array {
  return digest(blake256, data);
}

export function blake2_128(data: Uint8Array): Uint8Array {
  return digest(blake128, data);
}

export function keccak256(data: Uint8Array): Uint8Array {
  return digest(keccak, data);
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
