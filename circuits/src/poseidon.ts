// Poseidon as circomlib's circuits compute it (circomlibjs), and the PoseidonChain of
// lib/specter.circom used to commit to bit-packed inputs, outputs and weights.
// @ts-expect-error circomlibjs ships no types
import { buildPoseidon } from "circomlibjs";

interface RawPoseidon {
  (inputs: readonly bigint[]): unknown;
  F: { toObject(x: unknown): bigint };
}

export interface PoseidonHasher {
  /** circomlib Poseidon(n) for 1 <= n <= 16 inputs. */
  hash(inputs: readonly bigint[]): bigint;
  /** PoseidonChain(n): calls absorbing the previous digest and up to 15 elements, seeded with n. */
  chain(inputs: readonly bigint[]): bigint;
}

let cached: Promise<PoseidonHasher> | undefined;

export function poseidonHasher(): Promise<PoseidonHasher> {
  cached ??= (async () => {
    const raw = (await buildPoseidon()) as RawPoseidon;
    const hash = (inputs: readonly bigint[]): bigint => raw.F.toObject(raw([...inputs]));
    const chain = (inputs: readonly bigint[]): bigint => {
      const n = inputs.length;
      let h = BigInt(n);
      const chunks = Math.max(1, Math.ceil(n / 15));
      for (let c = 0; c < chunks; c++) {
        const block = inputs.slice(c * 15, c * 15 + 15);
        h = hash([h, ...block]);
      }
      return h;
    };
    return { hash, chain };
  })();
  return cached;
}
