import { ed25519Sign, ed25519Verify, type KeyPair } from "@darwin/crypto";
import { H256, Header } from "@darwin/pallets/support";
import {
  bytesEqual,
  type Codec,
  concatBytes,
  encode,
  fixedBytes,
  struct,
  u8,
  u32,
  u64,
  vec,
} from "@darwin/scale";

export interface Precommit {
  readonly targetHash: Uint8Array;
  readonly targetNumber: number;
}
const PrecommitCodec: Codec<Precommit> = struct<Precommit>({ targetHash: H256, targetNumber: u32 });
const SignedPrecommit = struct({ precommit: PrecommitCodec, signature: fixedBytes(64), id: fixedBytes(32) });

export interface GrandpaJustification {
  readonly round: bigint;
  readonly commit: {
    readonly targetHash: Uint8Array;
    readonly targetNumber: number;
    readonly precommits: { precommit: Precommit; signature: Uint8Array; id: Uint8Array }[];
  };
  readonly votesAncestries: (typeof Header extends Codec<infer H> ? H : never)[];
}
export const GrandpaJustificationCodec: Codec<GrandpaJustification> = struct<GrandpaJustification>({
  round: u64,
  commit: struct({ targetHash: H256, targetNumber: u32, precommits: vec(SignedPrecommit) }),
  votesAncestries: vec(Header),
});

/** The bytes a GRANDPA voter signs for a precommit: `Message::Precommit ++ round ++ set_id`. */
export function precommitPayload(p: Precommit, round: bigint, setId: bigint): Uint8Array {
  return concatBytes(encode(u8, 1), encode(PrecommitCodec, p), encode(u64, round), encode(u64, setId));
}

/**
 * A justification signed by the voters this node holds keys for. With one authority (dev chains)
 * its own precommit is the supermajority.
 */
export function makeJustification(
  target: Precommit,
  round: bigint,
  setId: bigint,
  voters: readonly KeyPair[],
): Uint8Array {
  const payload = precommitPayload(target, round, setId);
  return encode(GrandpaJustificationCodec, {
    round,
    commit: {
      targetHash: target.targetHash,
      targetNumber: target.targetNumber,
      precommits: voters.map((k) => ({
        precommit: target,
        signature: ed25519Sign(payload, k),
        id: k.publicKey,
      })),
    },
    votesAncestries: [],
  });
}

/** Checks that more than two thirds of the authority weight signed the target. */
export function verifyJustification(
  j: GrandpaJustification,
  setId: bigint,
  authorities: readonly (readonly [Uint8Array, bigint])[],
): boolean {
  const total = authorities.reduce((s, [, w]) => s + w, 0n);
  let signed = 0n;
  const seen = new Set<string>();
  for (const pc of j.commit.precommits) {
    if (!bytesEqual(pc.precommit.targetHash, j.commit.targetHash)) continue;
    const auth = authorities.find(([id]) => bytesEqual(id, pc.id));
    const idHex = Buffer.from(pc.id).toString("hex");
    if (!auth || seen.has(idHex)) continue;
    if (!ed25519Verify(precommitPayload(pc.precommit, j.round, setId), pc.signature, pc.id)) continue;
    seen.add(idHex);
    signed += auth[1];
  }
  return signed * 3n > total * 2n;
}
