import { ed25519 } from "@noble/curves/ed25519.js";
import { Keyring } from "@polkadot/keyring";
import { hexToU8a, isHex } from "@polkadot/util";
import {
  cryptoWaitReady,
  decodeAddress,
  ed25519PairFromSeed,
  encodeAddress,
  hdEthereum,
  keyExtractSuri,
  keyFromPath,
  mnemonicGenerate,
  mnemonicToLegacySeed,
  mnemonicToMiniSecret,
  mnemonicValidate,
  sr25519PairFromSeed,
  sr25519Sign,
  sr25519Verify,
} from "@polkadot/util-crypto";
import * as wasmCrypto from "@polkadot/wasm-crypto";
import { addressOfSecretKey } from "./ethereum.ts";

/** The standard Substrate/Moonbeam development phrase. */
export const DEV_PHRASE = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

export type KeyType = "sr25519" | "ed25519" | "ethereum";

export interface KeyPair {
  readonly type: KeyType;
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** Loads the WebAssembly crypto (sr25519) once; call before sr25519 use. */
export async function cryptoReady(): Promise<void> {
  await cryptoWaitReady();
  await wasmCrypto.waitReady();
}

// Node's own Ed25519 (OpenSSL) signs in ~40 us where pure-JS @noble takes ~800 us; a block author
// signs a justification per block. Ed25519 signatures are deterministic, so both give the same bytes.
// Verification stays on @noble (ZIP-215 rules, as Substrate's ed25519-zebra), off the hot path.
const nodeCrypto =
  typeof process !== "undefined" && process.versions?.node !== undefined
    ? await import("node:crypto")
    : undefined;
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
type NodeKey = ReturnType<NonNullable<typeof nodeCrypto>["createPrivateKey"]>;
const ed25519Keys = new WeakMap<Uint8Array, NodeKey>();

function nodeEd25519Key(seed: Uint8Array): NodeKey | undefined {
  if (!nodeCrypto) return undefined;
  let key = ed25519Keys.get(seed);
  if (!key) {
    const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
    der.set(PKCS8_ED25519_PREFIX);
    der.set(seed.subarray(0, 32), PKCS8_ED25519_PREFIX.length);
    key = nodeCrypto.createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
    ed25519Keys.set(seed, key);
  }
  return key;
}

/** A keypair from a secret URI (`//Alice`, `<phrase>//Alice`, `0x<seed>`), as Substrate's `key insert` reads it. */
export function keyPairFromUri(type: "sr25519" | "ed25519", suri: string): KeyPair {
  const { phrase, path, password } = keyExtractSuri(suri.startsWith("/") ? `${DEV_PHRASE}${suri}` : suri);
  let seed: Uint8Array;
  if (isHex(phrase, 256)) seed = hexToU8a(phrase);
  else {
    if (!mnemonicValidate(phrase)) throw new Error("invalid secret phrase");
    seed = mnemonicToMiniSecret(phrase, password ?? "");
  }
  const base = type === "sr25519" ? sr25519PairFromSeed(seed) : ed25519PairFromSeed(seed);
  const derived = keyFromPath(base, path, type);
  return { type, publicKey: derived.publicKey, secretKey: derived.secretKey };
}

/** An Ethereum (secp256k1) key: from a 0x private key, or a phrase with a BIP44 path (`<phrase>/m/44'/60'/0'/0/0`). */
export function ethereumKeyFromUri(suri: string): KeyPair & { readonly address: Uint8Array } {
  let secretKey: Uint8Array;
  if (isHex(suri, 256)) secretKey = hexToU8a(suri);
  else {
    const idx = suri.indexOf("/m/");
    const phrase = idx === -1 ? suri : suri.slice(0, idx);
    const path = idx === -1 ? "m/44'/60'/0'/0/0" : suri.slice(idx + 1);
    secretKey = hdEthereum(mnemonicToLegacySeed(phrase, "", false, 64), path).secretKey;
  }
  const address = addressOfSecretKey(secretKey);
  return { type: "ethereum", publicKey: address, secretKey, address };
}

export interface DevAccount {
  readonly name: string;
  readonly address: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** Alith, Baltathar, Charleth, Dorothy, Ethan, Faith: the dev phrase on the Ethereum path, indices 0..5. */
export const DEV_ACCOUNT_NAMES = ["Alith", "Baltathar", "Charleth", "Dorothy", "Ethan", "Faith"] as const;

let devAccounts: DevAccount[] | undefined;
export function devEthereumAccounts(): readonly DevAccount[] {
  devAccounts ??= DEV_ACCOUNT_NAMES.map((name, i) => {
    const key = ethereumKeyFromUri(`${DEV_PHRASE}/m/44'/60'/0'/0/${i}`);
    return { name, address: key.address, secretKey: key.secretKey };
  });
  return devAccounts;
}

/** Substrate's well-known authority names, for `--alice` .. `--ferdie`. */
export const DEV_AUTHORITY_NAMES = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"] as const;

// schnorrkel in WebAssembly signs in ~170 us against ~1.3 ms for util-crypto's pure-JS sr25519.
export function sr25519Sign_(message: Uint8Array, pair: KeyPair): Uint8Array {
  if (wasmCrypto.isReady()) return wasmCrypto.sr25519Sign(pair.publicKey, pair.secretKey, message);
  return sr25519Sign(message, pair);
}
export function sr25519Verify_(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    if (wasmCrypto.isReady() && signature.length === 64 && publicKey.length === 32)
      return wasmCrypto.sr25519Verify(signature, message, publicKey);
    return sr25519Verify(message, signature, publicKey);
  } catch {
    return false;
  }
}
export function ed25519Sign(message: Uint8Array, pair: KeyPair): Uint8Array {
  const key = nodeEd25519Key(pair.secretKey);
  if (nodeCrypto && key) return new Uint8Array(nodeCrypto.sign(null, message, key));
  return ed25519.sign(message, pair.secretKey.subarray(0, 32));
}
/** The ed25519 public key of a 32-byte secret seed (libp2p node keys). */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(seed);
}
export function ed25519Verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}

export const ss58Encode = (publicKey: Uint8Array, prefix = 42): string => encodeAddress(publicKey, prefix);
export const ss58Decode = (address: string): Uint8Array => decodeAddress(address);
export const generateMnemonic = (words: 12 | 24 = 12): string => mnemonicGenerate(words);
export { Keyring };
