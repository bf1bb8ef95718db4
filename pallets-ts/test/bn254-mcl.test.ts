import { NobleBN254 } from "@ethereumjs/evm";
import { bn254 } from "@noble/curves/bn254.js";
import { beforeAll, describe, expect, it } from "vitest";
import { createMclBn254, type MclBN254 } from "../src/evm/bn254-mcl.ts";

const be = (v: bigint) => Buffer.from(v.toString(16).padStart(64, "0"), "hex");
const g1 = (k: bigint) => {
  const p = bn254.G1.Point.BASE.multiply(k).toAffine();
  return Buffer.concat([be(p.x), be(p.y)]);
};
const g2 = (k: bigint) => {
  const q = bn254.G2.Point.BASE.multiply(k).toAffine();
  return Buffer.concat([be(q.x.c1), be(q.x.c0), be(q.y.c1), be(q.y.c0)]);
};
const R = bn254.fields.Fr.ORDER;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

let mcl: MclBN254;
const noble = new NobleBN254();

beforeAll(async () => {
  mcl = await createMclBn254();
});

describe("alt_bn128 on mcl-wasm", () => {
  it("add and mul agree with ethereumjs's @noble implementation", () => {
    const cases = [
      Buffer.concat([g1(3n), g1(5n)]),
      Buffer.concat([g1(7n), Buffer.alloc(64)]),
      Buffer.concat([g1(7n), g1(R - 7n)]),
    ];
    for (const c of cases) expect(hex(mcl.add(c))).toBe(hex(noble.add(c)));
    for (const [p, s] of [
      [g1(11n), be(123456789n)],
      [g1(2n), be(0n)],
      [g1(5n), be(R + 3n)],
      [g1(5n), Buffer.alloc(32, 0xff)],
    ] as const)
      expect(hex(mcl.mul(Buffer.concat([p, s])))).toBe(hex(noble.mul(Buffer.concat([p, s]))));
  });

  it("pairing checks agree: e(aP, bQ) e(-abP, Q) = 1, a wrong product is not", () => {
    const a = 1234n;
    const b = 5678n;
    const good = Buffer.concat([g1(a), g2(b), g1(R - a * b), g2(1n)]);
    const bad = Buffer.concat([g1(a), g2(b), g1(R - a * b - 1n), g2(1n)]);
    expect(hex(mcl.pairing(good))).toBe(hex(noble.pairing(good)));
    expect(mcl.pairing(good)[31]).toBe(1);
    expect(mcl.pairing(bad)[31]).toBe(0);
    expect(hex(mcl.pairing(new Uint8Array(0)))).toBe(hex(noble.pairing(new Uint8Array(0))));
  });

  it("rejects points off the curve and coordinates outside the field", () => {
    const off = Buffer.concat([be(1n), be(3n), g1(1n)]);
    expect(() => mcl.add(off)).toThrow();
    const big = Buffer.concat([Buffer.alloc(32, 0xff), be(2n), g1(1n)]);
    expect(() => mcl.add(big)).toThrow();
    const badG2 = Buffer.concat([g1(1n), be(1n), be(2n), be(3n), be(4n)]);
    expect(() => mcl.pairing(badG2)).toThrow();
  });
});
