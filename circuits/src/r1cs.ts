// A small reader of circom's .r1cs format and a constraint checker: tests use it to show that a
// tampered witness (a shifted rescale output, an out-of-range remainder) violates a real constraint,
// independently of the witness generator's own asserts.
import { readFileSync } from "node:fs";

export interface R1cs {
  readonly prime: bigint;
  readonly nWires: number;
  readonly nPublicOutputs: number;
  readonly nPublicInputs: number;
  readonly nPrivateInputs: number;
  /** [A, B, C] per constraint, each a sparse map wire -> coefficient; A.w * B.w = C.w (mod p). */
  readonly constraints: readonly (readonly [Map<number, bigint>, Map<number, bigint>, Map<number, bigint>])[];
}

export class R1csFormatError extends Error {
  readonly code = "R1CS_FORMAT" as const;
}

export function readR1cs(path: string): R1cs {
  const buf = readFileSync(path);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.subarray(0, 4).toString("latin1") !== "r1cs")
    throw new R1csFormatError(`${path} is not an r1cs file`);
  const nSections = view.getUint32(8, true);
  let pos = 12;
  const sections = new Map<number, { start: number; size: number }>();
  for (let i = 0; i < nSections; i++) {
    const type = view.getUint32(pos, true);
    const size = Number(view.getBigUint64(pos + 4, true));
    sections.set(type, { start: pos + 12, size });
    pos += 12 + size;
  }
  const header = sections.get(1);
  const body = sections.get(2);
  if (!header || !body) throw new R1csFormatError(`${path} lacks a header or constraints section`);
  let p = header.start;
  const n8 = view.getUint32(p, true);
  p += 4;
  const readField = (at: number): bigint => {
    let x = 0n;
    for (let k = n8 - 1; k >= 0; k--) x = (x << 8n) | BigInt(buf[at + k] as number);
    return x;
  };
  const prime = readField(p);
  p += n8;
  const nWires = view.getUint32(p, true);
  const nPublicOutputs = view.getUint32(p + 4, true);
  const nPublicInputs = view.getUint32(p + 8, true);
  const nPrivateInputs = view.getUint32(p + 12, true);
  const nConstraints = view.getUint32(p + 24, true);
  const constraints: [Map<number, bigint>, Map<number, bigint>, Map<number, bigint>][] = [];
  p = body.start;
  const readLc = (): Map<number, bigint> => {
    const n = view.getUint32(p, true);
    p += 4;
    const lc = new Map<number, bigint>();
    for (let t = 0; t < n; t++) {
      lc.set(view.getUint32(p, true), readField(p + 4));
      p += 4 + n8;
    }
    return lc;
  };
  for (let c = 0; c < nConstraints; c++) constraints.push([readLc(), readLc(), readLc()]);
  return { prime, nWires, nPublicOutputs, nPublicInputs, nPrivateInputs, constraints };
}

/** Indices of the constraints the witness violates (empty: it satisfies the system). */
export function unsatisfiedConstraints(r1cs: R1cs, witness: readonly bigint[]): number[] {
  const p = r1cs.prime;
  const evalLc = (lc: Map<number, bigint>): bigint => {
    let acc = 0n;
    for (const [wire, coef] of lc) acc += coef * (witness[wire] ?? 0n);
    return acc % p;
  };
  const bad: number[] = [];
  r1cs.constraints.forEach(([a, b, c], i) => {
    if ((evalLc(a) * evalLc(b) - evalLc(c)) % p !== 0n) bad.push(i);
  });
  return bad;
}
