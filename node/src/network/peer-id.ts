import { randomBytes } from "node:crypto";
import { ed25519PublicKey } from "@darwin/crypto";
import { fromHex } from "@darwin/scale";
import { base58 } from "@scure/base";

/**
 * The libp2p peer id of an ed25519 node key: the identity multihash of the protobuf-encoded public
 * key, base58 — `12D3KooW...` like Substrate's.
 */
export function peerIdFromNodeKey(nodeKeyHex: string | undefined): string {
  const seed = nodeKeyHex
    ? fromHex(nodeKeyHex.startsWith("0x") ? nodeKeyHex : `0x${nodeKeyHex}`)
    : randomBytes(32);
  if (seed.length !== 32) throw new Error("--node-key must be 32 bytes of hex");
  const pub = ed25519PublicKey(seed);
  // protobuf PublicKey { Type: Ed25519 (1), Data: pub }
  const proto = new Uint8Array([0x08, 0x01, 0x12, 0x20, ...pub]);
  // identity multihash: code 0x00, length 36
  return base58.encode(new Uint8Array([0x00, proto.length, ...proto]));
}
