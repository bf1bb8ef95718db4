import * as dagPb from "@ipld/dag-pb";
import { CID } from "multiformats/cid";
import { identity } from "multiformats/hashes/identity";
import { sha256 } from "multiformats/hashes/sha2";
import { ContentIdError } from "./errors.ts";

export { CID };

/** Multicodec of raw binary blocks (what Kubo gives single-chunk files with `--cid-version=1`). */
export const RAW_CODE = 0x55;
/** Multicodec of dag-pb nodes (UnixFS files that span several chunks). */
export const DAG_PB_CODE = dagPb.code;
export const SHA2_256_CODE = sha256.code;
export const IDENTITY_CODE = identity.code;

/** A content-addressed block: the bytes and the CID they hash to. */
export interface Block {
  readonly cid: CID;
  readonly bytes: Uint8Array;
}

/** Parses a CID from text (base32 `bafy...`, base58 `Qm...`) or bytes; throws `BAD_CID` otherwise. */
export function parseCid(input: string | Uint8Array | CID): CID {
  if (input instanceof CID) return input;
  const asCid = CID.asCID(input);
  if (asCid) return asCid;
  try {
    if (typeof input === "string") return CID.parse(input.trim());
    return CID.decode(input);
  } catch (err) {
    const shown = typeof input === "string" ? JSON.stringify(input.slice(0, 80)) : `${input.length} bytes`;
    throw new ContentIdError("BAD_CID", `not a CID: ${shown}`, { cause: err });
  }
}

/** Like parseCid, but also refuses codecs and hashes that blocks here cannot be checked against. */
export function parseCheckableCid(input: string | Uint8Array | CID): CID {
  const cid = parseCid(input);
  assertCheckable(cid);
  return cid;
}

export function assertCheckable(cid: CID): void {
  if (cid.code !== RAW_CODE && cid.code !== DAG_PB_CODE) {
    throw new ContentIdError(
      "UNSUPPORTED_CODEC",
      `CID ${cid.toString()} has codec 0x${cid.code.toString(16)}; only raw (0x55) and dag-pb (0x70) are read`,
    );
  }
  if (cid.multihash.code !== SHA2_256_CODE && cid.multihash.code !== IDENTITY_CODE) {
    throw new ContentIdError(
      "UNSUPPORTED_HASH",
      `CID ${cid.toString()} uses multihash 0x${cid.multihash.code.toString(16)}; only sha2-256 and identity are checked`,
    );
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function digestOf(code: number, bytes: Uint8Array): Promise<Uint8Array> {
  if (code === SHA2_256_CODE) return (await sha256.digest(bytes)).digest;
  if (code === IDENTITY_CODE) return identity.digest(bytes).digest;
  throw new ContentIdError("UNSUPPORTED_HASH", `multihash 0x${code.toString(16)} cannot be checked`);
}

/** True when `bytes` hash to `cid` (and, for dag-pb, decode as a dag-pb node). */
export async function verifyBlock(cid: CID, bytes: Uint8Array): Promise<boolean> {
  assertCheckable(cid);
  const digest = await digestOf(cid.multihash.code, bytes);
  if (!equalBytes(digest, cid.multihash.digest)) return false;
  if (cid.code === DAG_PB_CODE) {
    try {
      dagPb.decode(bytes);
    } catch {
      return false;
    }
  }
  return true;
}

/** Throws `CID_MISMATCH` unless `bytes` are the block `cid` names. */
export async function assertBlock(cid: CID, bytes: Uint8Array): Promise<void> {
  if (!(await verifyBlock(cid, bytes))) {
    throw new ContentIdError(
      "CID_MISMATCH",
      `block bytes (${bytes.length}) do not hash to ${cid.toString()}`,
    );
  }
}

/** The CIDv1 of one block's bytes under a codec (raw by default), hashed with sha2-256. */
export async function blockCid(bytes: Uint8Array, codec: number = RAW_CODE): Promise<CID> {
  return CID.createV1(codec, await sha256.digest(bytes));
}

/** The CIDs a dag-pb block links to, in link order; none for raw blocks. */
export function linksOf(cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === RAW_CODE) return [];
  if (cid.code !== DAG_PB_CODE) {
    throw new ContentIdError("UNSUPPORTED_CODEC", `cannot read links of codec 0x${cid.code.toString(16)}`);
  }
  try {
    return dagPb.decode(bytes).Links.map((l) => l.Hash);
  } catch (err) {
    throw new ContentIdError("MALFORMED_DAG", `block ${cid.toString()} is not valid dag-pb`, { cause: err });
  }
}
