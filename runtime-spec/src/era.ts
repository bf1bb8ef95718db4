import { type Codec, ScaleError, u8, type Variant } from "@darwin/scale";

// scale-info describes Era as 256 variants: `Immortal`, then `MortalN(u8)` whose index is the first byte.
const ERA_VARIANTS: Variant[] = [
  { name: "Immortal", index: 0, fields: [] },
  ...Array.from({ length: 255 }, (_, i) => ({
    name: `Mortal${i + 1}`,
    index: i + 1,
    fields: [{ type: u8 }],
  })),
];

/** Transaction mortality: `Immortal`, or valid for `period` blocks from its birth (sp_runtime::generic::Era). */
export type Era =
  | { readonly type: "Immortal" }
  | { readonly type: "Mortal"; readonly period: number; readonly phase: number };

export const EraCodec: Codec<Era> = {
  info: { path: ["sp_runtime", "generic", "era", "Era"], def: { tag: "variant", variants: ERA_VARIANTS } },
  encodeTo(v, w) {
    if (v.type === "Immortal") {
      w.u8(0);
      return;
    }
    const quantizeFactor = Math.max(v.period >> 12, 1);
    const trailing = Math.max(1, Math.min(15, Math.log2(v.period) - 1));
    const encoded = trailing | (Math.floor(v.phase / quantizeFactor) << 4);
    w.u16(encoded);
  },
  decodeFrom(r) {
    const first = r.u8();
    if (first === 0) return { type: "Immortal" };
    const encoded = first | (r.u8() << 8);
    const period = 2 << (encoded % (1 << 4));
    const quantizeFactor = Math.max(period >> 12, 1);
    const phase = (encoded >> 4) * quantizeFactor;
    if (period < 4 || phase >= period) throw new ScaleError("Invalid", "invalid mortal era");
    return { type: "Mortal", period, phase };
  },
};

/** The block the transaction was born at, for a current block number. */
export function eraBirth(era: Era, current: number): number {
  if (era.type === "Immortal") return 0;
  return Math.floor((Math.max(current, era.phase) - era.phase) / era.period) * era.period + era.phase;
}

/** The first block the transaction is no longer valid at. */
export function eraDeath(era: Era, current: number): number {
  if (era.type === "Immortal") return Number.MAX_SAFE_INTEGER;
  return eraBirth(era, current) + era.period;
}

export function mortalEra(period: number, current: number): Era {
  let p = 4;
  while (p < period && p < 1 << 16) p <<= 1;
  const quantizeFactor = Math.max(p >> 12, 1);
  const phase = Math.floor((current % p) / quantizeFactor) * quantizeFactor;
  return { type: "Mortal", period: p, phase };
}
