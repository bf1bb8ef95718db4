// The prover's own wasm: batch-affine multi-exponentiations (msm.ts, msm-wasm.ts), the odd-coset
// transform (coset-wasm.ts) and the QAP evaluations (qap-wasm.ts), each against ffjavascript's
// implementation of the same operation on the same curve, including the inputs that take their
// rare paths: equal points (a doubling), a point meeting its negation, points at infinity, digits
// piled on one bucket (points waiting for a busy bucket overflow), negated scalars, zero witness
// values.

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { circuitArtifacts, loadWitnessCalculator } from "@darwin/circuits";
import { classifierTestSet, quantizeInput } from "@darwin/models";
import type { Curve, Element } from "ffjavascript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cosetShiftBytes, cosetTwiddleBytes } from "../src/coset-wasm.ts";
import { parseZkey, provingCurve, releaseBn128, wtnsValues } from "../src/groth16-prover.ts";
import { maxBits, msm, planMsm } from "../src/msm.ts";

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
let curve: Curve;
const pk = parseZkey(new Uint8Array(readFileSync(circuitArtifacts("classifier_b8").zkey)));
const g1 = (n: number) => pk.pointsH.slice(0, n * 64);
const g2 = (n: number) => {
  // B2 points that are not at infinity.
  const out = new Uint8Array(n * 128);
  let at = 0;
  for (let i = 0; at < n; i++) {
    if (pk.inB2[i] !== 1) continue;
    out.set(pk.pointsB2.subarray(i * 128, (i + 1) * 128), at * 128);
    at++;
  }
  return out;
};

function littleEndian(values: readonly bigint[], width: number): Uint8Array {
  const out = new Uint8Array(values.length * width);
  values.forEach((v, i) => {
    for (let k = 0; k < width; k++) out[i * width + k] = Number((v >> BigInt(8 * k)) & 0xffn);
  });
  return out;
}

function randomScalars(n: number, width: number): bigint[] {
  return Array.from({ length: n }, () => {
    const v = BigInt(`0x${randomBytes(width).toString("hex")}`);
    return width === 32 ? v % R : v;
  });
}

/** ffjavascript's own multi-exponentiation of the same statement (negations folded into the scalars). */
async function reference(
  group: "G1" | "G2",
  bases: Uint8Array,
  scalars: readonly bigint[],
): Promise<Element> {
  const G = group === "G1" ? curve.G1 : curve.G2;
  return G.multiExpAffine(bases, littleEndian(scalars, 32));
}

beforeAll(async () => {
  curve = await provingCurve();
});
afterAll(() => releaseBn128());

describe("msm (signed windows, batch-affine buckets)", () => {
  const cases: [string, "G1" | "G2", number, number][] = [
    ["one G1 point, full width", "G1", 1, 32],
    ["G1, bytes", "G1", 700, 1],
    ["G1, 16-bit", "G1", 300, 2],
    ["G1, full width", "G1", 2500, 32],
    ["G2, bytes", "G2", 900, 1],
    ["G2, full width", "G2", 600, 32],
  ];
  for (const [name, group, n, width] of cases)
    it(`equals ffjavascript's multiExpAffine: ${name}`, async () => {
      const G = group === "G1" ? curve.G1 : curve.G2;
      const bases = group === "G1" ? g1(n) : g2(n);
      const scalars = randomScalars(n, width);
      const ours = await msm(curve, group, bases, littleEndian(scalars, width), width);
      expect(G.eq(ours, await reference(group, bases, scalars))).toBe(true);
    });

  it("negates the scalars it is told to", async () => {
    const n = 400;
    const bases = g1(n);
    const scalars = randomScalars(n, 4);
    const negate = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const ours = await msm(curve, "G1", bases, littleEndian(scalars, 4), 4, negate);
    const signed = scalars.map((s, i) => (negate[i] ? (R - s) % R : s));
    expect(curve.G1.eq(ours, await reference("G1", bases, signed))).toBe(true);
    const ours2 = await msm(curve, "G2", g2(n), littleEndian(scalars, 4), 4, negate);
    expect(curve.G2.eq(ours2, await reference("G2", g2(n), signed))).toBe(true);
  });

  it("reads shared scalars in place, not the bytes behind them, and shared signs", async () => {
    // The prover hands width classes packed one after the other in one shared buffer: the 4 bytes
    // a window read may reach past a scalar belong to the next class and must not count.
    for (const width of [1, 2, 4]) {
      const n = 300;
      const bases = g1(n);
      const scalars = randomScalars(n, width);
      const buffer = new Uint8Array(new SharedArrayBuffer(8 + n * width + 8)).fill(0xff);
      buffer.set(littleEndian(scalars, width), 8);
      const negate = new Uint8Array(new SharedArrayBuffer(n));
      for (let i = 0; i < n; i += 5) negate[i] = 1;
      const ours = await msm(curve, "G1", bases, buffer.subarray(8, 8 + n * width), width, negate);
      const signed = scalars.map((s, i) => (negate[i] ? (R - s) % R : s));
      expect(curve.G1.eq(ours, await reference("G1", bases, signed)), `width ${width}`).toBe(true);
    }
  });

  it("adds a point to itself and to its negation (the equal-x paths) and skips points at infinity", async () => {
    // One point 300 times with scalars that send copies into the same buckets with both signs,
    // interleaved with the point at infinity.
    const p = g1(1);
    const n = 600;
    const bases = new Uint8Array(n * 64);
    for (let i = 0; i < n; i += 2) bases.set(p, i * 64);
    const scalars = Array.from({ length: n }, (_, i) => BigInt((i * 7) % 5) + 1n);
    const negate = Uint8Array.from({ length: n }, (_, i) => (i >> 1) % 2);
    const ours = await msm(curve, "G1", bases, littleEndian(scalars, 1), 1, negate);
    const signed = scalars.map((s, i) => (negate[i] ? R - s : s));
    expect(curve.G1.eq(ours, await reference("G1", bases, signed))).toBe(true);
    // A point and its negation with the same scalar cancel: the sum is the point at infinity.
    const cancel = await msm(
      curve,
      "G1",
      new Uint8Array([...p, ...p]),
      new Uint8Array([9, 9]),
      1,
      new Uint8Array([0, 1]),
    );
    expect(curve.G1.isZero(cancel)).toBe(true);
  });

  it("piles every digit on one bucket (a witness of bits) and still sums correctly", async () => {
    for (const group of ["G1", "G2"] as const) {
      const n = 3000;
      const bases = group === "G1" ? g1(n) : g2(n);
      const ones = new Array<bigint>(n).fill(1n);
      const G = group === "G1" ? curve.G1 : curve.G2;
      const ours = await msm(curve, group, bases, littleEndian(ones, 1), 1);
      expect(G.eq(ours, await reference(group, bases, ones)), group).toBe(true);
    }
  });

  it("returns the point at infinity for zero scalars and for no points", async () => {
    expect(curve.G1.isZero(await msm(curve, "G1", g1(5), new Uint8Array(5 * 32), 32))).toBe(true);
    expect(curve.G2.isZero(await msm(curve, "G2", new Uint8Array(0), new Uint8Array(0), 4))).toBe(true);
  });

  it("refuses bases and scalars of different counts", async () => {
    await expect(msm(curve, "G1", g1(3), new Uint8Array(4 * 2), 2)).rejects.toThrow(RangeError);
  });

  it("plans wider windows for more points and reads the scalars' real bit length", () => {
    expect(planMsm("g1m", 300, 254).c).toBeLessThan(planMsm("g1m", 32768, 254).c);
    expect(planMsm("g1m", 32768, 254).windows).toBe(Math.floor(254 / planMsm("g1m", 32768, 254).c) + 1);
    expect(maxBits(littleEndian([0n, 5n, 3n], 2), 2)).toBe(3);
    expect(maxBits(littleEndian([1n << 200n], 32), 32)).toBe(201);
    expect(maxBits(new Uint8Array(64), 32)).toBe(0);
  });
});

describe("frm_darwinOddCoset", () => {
  it("gives ffjavascript's ifft, coset shift and fft byte for byte", async () => {
    const { Fr } = curve;
    for (const power of [0, 1, 2, 5, 12]) {
      const n = 1 << power;
      const x = new Uint8Array(n * 32);
      for (let i = 0; i < n; i++) x.set(Fr.e(BigInt(`0x${randomBytes(31).toString("hex")}`)), i * 32);
      const inc = Fr.w[power + 1] as Element;
      const [expected] = await curve.tm.queueAction([
        { cmd: "ALLOCSET", var: 0, buff: x },
        { cmd: "ALLOCSET", var: 1, buff: Fr.e(1) },
        { cmd: "ALLOCSET", var: 2, buff: inc },
        { cmd: "CALL", fnName: "frm_ifft", params: [{ var: 0 }, { val: n }] },
        {
          cmd: "CALL",
          fnName: "frm_batchApplyKey",
          params: [{ var: 0 }, { val: n }, { var: 1 }, { var: 2 }, { var: 0 }],
        },
        { cmd: "CALL", fnName: "frm_fft", params: [{ var: 0 }, { val: n }] },
        { cmd: "GET", out: 0, var: 0, len: n * 32 },
      ]);
      const [ours] = await curve.tm.queueAction([
        { cmd: "ALLOCSET", var: 0, buff: x },
        { cmd: "ALLOCSET", var: 1, buff: Fr.w[power] as Element },
        { cmd: "ALLOCSET", var: 2, buff: inc },
        { cmd: "ALLOCSET", var: 3, buff: Fr.inv(Fr.e(n)) },
        { cmd: "ALLOC", var: 4, len: cosetTwiddleBytes(n) },
        { cmd: "ALLOC", var: 5, len: cosetShiftBytes(n) },
        {
          cmd: "CALL",
          fnName: "frm_darwinCosetTables",
          params: [{ val: n }, { var: 1 }, { var: 2 }, { var: 3 }, { var: 4 }, { var: 5 }],
        },
        {
          cmd: "CALL",
          fnName: "frm_darwinOddCoset",
          params: [{ var: 0 }, { val: n }, { var: 4 }, { var: 5 }],
        },
        { cmd: "GET", out: 0, var: 0, len: n * 32 },
      ]);
      expect(Buffer.from(ours as Uint8Array).equals(Buffer.from(expected as Uint8Array)), `n = ${n}`).toBe(
        true,
      );
    }
  });
});

describe("frm_darwinBuildABC", () => {
  it("gives wasmcurves' qap_buildABC byte for byte, from each range's own records", async () => {
    const artifacts = circuitArtifacts("classifier_b8");
    const test = classifierTestSet();
    const x = Array.from({ length: 8 }, (_, i) =>
      Array.from(quantizeInput(test.inputs.subarray(i * 49, (i + 1) * 49)), BigInt),
    );
    const calc = await loadWitnessCalculator(artifacts.wasm);
    const real = wtnsValues(await calc.wtns({ x }), pk.nVars);
    // A witness of random full-width values too: every record takes the multiplication.
    const random = littleEndian(randomScalars(pk.nVars, 32), 32);
    const n = pk.domainSize;
    const abc = (
      fnName: string,
      coefs: Uint8Array,
      nCoefs: number,
      witness: Uint8Array,
      from: number,
      count: number,
    ) =>
      curve.tm.queueAction([
        { cmd: "ALLOCSET", var: 0, buff: coefs },
        { cmd: "ALLOCSET", var: 1, buff: witness },
        { cmd: "ALLOC", var: 2, len: count * 32 },
        { cmd: "ALLOC", var: 3, len: count * 32 },
        { cmd: "ALLOC", var: 4, len: count * 32 },
        {
          cmd: "CALL",
          fnName,
          params: [
            { var: 0 },
            { val: nCoefs },
            { var: 1 },
            { var: 2 },
            { var: 3 },
            { var: 4 },
            { val: from },
            { val: count },
            ...(fnName === "qap_buildABC" ? [{ val: 0 }] : []),
            { val: pk.nVars },
          ],
        },
        { cmd: "GET", out: 0, var: 2, len: count * 32 },
        { cmd: "GET", out: 1, var: 3, len: count * 32 },
        { cmd: "GET", out: 2, var: 4, len: count * 32 },
      ]);
    for (const witness of [real, random]) {
      for (const [from, count] of [
        [0, n / 2],
        [n / 2, n / 2],
        [100, 333],
      ] as const) {
        const expected = await abc("qap_buildABC", pk.coefs, pk.nCoefs, witness, from, count);
        const first = pk.coefStarts[from] as number;
        const last = pk.coefStarts[from + count] as number;
        const own = pk.coefs.subarray(first * 44, last * 44);
        const ours = await abc("frm_darwinBuildABC", own, last - first, witness, from, count);
        // All records, most outside the range: skipped as qap_buildABC skips them.
        const all = await abc("frm_darwinBuildABC", pk.coefs, pk.nCoefs, witness, from, count);
        for (let k = 0; k < 3; k++) {
          expect(Buffer.from(ours[k] as Uint8Array).equals(Buffer.from(expected[k] as Uint8Array))).toBe(
            true,
          );
          expect(Buffer.from(all[k] as Uint8Array).equals(Buffer.from(expected[k] as Uint8Array))).toBe(true);
        }
      }
    }
  });

  it("orders the key's coefficient records by constraint", () => {
    const view = new DataView(pk.coefs.buffer, pk.coefs.byteOffset, pk.coefs.byteLength);
    for (let k = 0; k < pk.domainSize; k++)
      for (let i = pk.coefStarts[k] as number; i < (pk.coefStarts[k + 1] as number); i++)
        expect(view.getUint32(i * 44 + 4, true)).toBe(k);
    expect(pk.coefStarts[pk.domainSize]).toBe(pk.nCoefs);
  });
});
