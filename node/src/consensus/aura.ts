import { sr25519Sign, sr25519Verify } from "@darwin/crypto";
import { aura } from "@darwin/pallets";
import type { DigestItem, Header } from "@darwin/pallets/support";
import { bytesEqual, encode, Reader, u64 } from "@darwin/scale";
import { hashHeader } from "../chain/chain.ts";
import type { Keystore } from "../keystore/index.ts";

export const AURA_ENGINE = aura.AURA_ENGINE_ID;

export class SealError extends Error {
  readonly code: "MissingSeal" | "BadSeal" | "WrongAuthor" | "MissingSlot";
  constructor(code: SealError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

export function preRuntimeDigest(slot: bigint): DigestItem {
  return { type: "PreRuntime", value: [AURA_ENGINE, encode(u64, slot)] };
}

/** Signs the pre-seal header hash with the slot author's sr25519 key and appends the Seal digest. */
export function sealHeader(
  header: Header,
  signer: { publicKey: Uint8Array; secretKey: Uint8Array; type: "sr25519" | "ed25519" | "ethereum" },
): Header {
  const signature = sr25519Sign(hashHeader(header), signer);
  return {
    ...header,
    digest: { logs: [...header.digest.logs, { type: "Seal", value: [AURA_ENGINE, signature] }] },
  };
}

export function slotOf(header: Header): bigint | undefined {
  for (const item of header.digest.logs) {
    if (item.type === "PreRuntime" && bytesEqual(item.value[0], AURA_ENGINE))
      return u64.decodeFrom(new Reader(item.value[1]));
  }
  return undefined;
}

/** Checks the seal against the authority expected for the header's slot; returns the pre-seal header. */
export function verifySeal(header: Header, authorities: readonly Uint8Array[]): Header {
  const last = header.digest.logs.at(-1);
  if (last?.type !== "Seal" || !bytesEqual(last.value[0], AURA_ENGINE))
    throw new SealError("MissingSeal", "header has no aura seal");
  const preSeal: Header = { ...header, digest: { logs: header.digest.logs.slice(0, -1) } };
  const slot = slotOf(preSeal);
  if (slot === undefined) throw new SealError("MissingSlot", "header has no aura pre-runtime digest");
  if (authorities.length === 0) throw new SealError("WrongAuthor", "no aura authorities");
  const author = authorities[Number(slot % BigInt(authorities.length))]!;
  if (!sr25519Verify(hashHeader(preSeal), last.value[1], author))
    throw new SealError("BadSeal", "seal signature is invalid");
  return preSeal;
}

/** The keystore's key for the author of `slot`, if this node holds it. */
export function claimSlot(slot: bigint, authorities: readonly Uint8Array[], keystore: Keystore) {
  if (authorities.length === 0) return undefined;
  const expected = authorities[Number(slot % BigInt(authorities.length))]!;
  return keystore.find("aura", expected);
}
