import { bytesEqual, Reader, u64, vec } from "@darwin/scale";
import type { Externalities } from "../support/externalities.ts";
import { definePallet } from "../support/pallet.ts";
import { storageValue } from "../support/storage.ts";
import { AuraId, type Digest, Slot, weight, ZERO_WEIGHT } from "../support/types.ts";
import { DigestStorage } from "../system/index.ts";

export const AURA_ENGINE_ID = new Uint8Array([0x61, 0x75, 0x72, 0x61]); // "aura"

export const Authorities = storageValue({
  name: "Authorities",
  value: vec(AuraId),
  default: [],
  docs: ["The current authority set."],
});
export const CurrentSlot = storageValue({
  name: "CurrentSlot",
  value: Slot,
  default: 0n,
  docs: ["The current slot of this block."],
});

export interface AuraGenesis {
  readonly authorities: readonly Uint8Array[];
}

/** The Aura slot a header's PreRuntime digest claims, if any. */
export function slotFromDigest(digest: Digest): bigint | undefined {
  for (const item of digest.logs) {
    if (item.type === "PreRuntime" && bytesEqual(item.value[0], AURA_ENGINE_ID)) {
      return u64.decodeFrom(new Reader(item.value[1]));
    }
  }
  return undefined;
}

export function createAuraPallet(config: { readonly slotDuration: bigint }) {
  const pallet = definePallet<AuraGenesis>({
    name: "Aura",
    modulePath: ["pallet_aura", "pallet"],
    storage: [Authorities, CurrentSlot],
    constants: {
      SlotDuration: {
        codec: u64,
        value: config.slotDuration,
        docs: ["The slot duration Aura should run with, expressed in milliseconds."],
      },
    },
    hooks: {
      onInitialize(ctx) {
        const slot = slotFromDigest(DigestStorage.get(ctx.ext));
        if (slot === undefined) return ZERO_WEIGHT;
        const current = CurrentSlot.get(ctx.ext);
        if (slot <= current) throw new Error(`Slot must increase (${slot} <= ${current})`);
        CurrentSlot.set(ctx.ext, slot);
        return weight(2_000_000n);
      },
    },
    genesis: {
      default: { authorities: [] },
      build(ctx, config) {
        Authorities.set(ctx.ext, [...config.authorities]);
      },
    },
  });
  return { pallet };
}

/** The authority index expected to author `slot`. */
export function authorIndex(ext: Externalities, slot: bigint): number | undefined {
  const n = Authorities.get(ext).length;
  return n === 0 ? undefined : Number(slot % BigInt(n));
}
