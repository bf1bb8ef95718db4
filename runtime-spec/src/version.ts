import { type Codec, fixedBytes, str, struct, tuple, u8, u32, vec } from "@darwin/scale";
import { blake2b } from "@noble/hashes/blake2.js";

export interface RuntimeVersion {
  readonly specName: string;
  readonly implName: string;
  readonly authoringVersion: number;
  readonly specVersion: number;
  readonly implVersion: number;
  readonly apis: [Uint8Array, number][];
  readonly transactionVersion: number;
  readonly systemVersion: number;
}

export const RuntimeVersionCodec: Codec<RuntimeVersion> = struct<RuntimeVersion>(
  {
    specName: str,
    implName: str,
    authoringVersion: u32,
    specVersion: u32,
    implVersion: u32,
    apis: vec(tuple(fixedBytes(8), u32)),
    transactionVersion: u32,
    systemVersion: u8,
  },
  { path: ["sp_version", "RuntimeVersion"] },
);

/** A runtime API's id: the first 8 bytes of blake2b of its name (sp_api's `blake2_64`). */
export function apiId(name: string): Uint8Array {
  return blake2b(new TextEncoder().encode(name), { dkLen: 8 });
}

/** The runtime APIs this runtime implements, with the versions clients pick encodings by. */
export const RUNTIME_APIS: readonly (readonly [string, number])[] = [
  ["Core", 5],
  ["Metadata", 2],
  ["BlockBuilder", 6],
  ["TaggedTransactionQueue", 3],
  ["OffchainWorkerApi", 2],
  ["AuraApi", 1],
  ["GrandpaApi", 3],
  ["SessionKeys", 1],
  ["AccountNonceApi", 1],
  ["TransactionPaymentApi", 4],
];

export const VERSION: RuntimeVersion = {
  specName: "darwin",
  implName: "darwin-ts",
  authoringVersion: 1,
  specVersion: 100,
  implVersion: 1,
  apis: RUNTIME_APIS.map(([name, v]) => [apiId(name), v]),
  transactionVersion: 1,
  systemVersion: 1,
};
