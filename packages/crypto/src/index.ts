export * from "./ethereum.ts";
export * from "./hashing.ts";
export {
  cryptoReady,
  DEV_ACCOUNT_NAMES,
  DEV_AUTHORITY_NAMES,
  DEV_PHRASE,
  type DevAccount,
  devEthereumAccounts,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  ethereumKeyFromUri,
  generateMnemonic,
  type KeyPair,
  type KeyType,
  keyPairFromUri,
  sr25519Sign_ as sr25519Sign,
  sr25519Verify_ as sr25519Verify,
  ss58Decode,
  ss58Encode,
} from "./keys.ts";
