// Witness tests of every lib/specter.circom component against the bit-exact TypeScript references,
// including negative values, range bounds (just inside and just outside) and ties; plus the soundness
// contrast with circomlib-ml's assert-only remainder.
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  type CircuitInput,
  circuitsRoot,
  compileCircuit,
  loadWitnessCalculator,
  readSymbols,
  type WitnessCalculator,
  WitnessError,
} from "../src/circom.ts";
import {
  argmax,
  clamp,
  dense,
  FIELD_P,
  FixedPointRangeError,
  fromField,
  leakyRelu,
  matmul,
  maxOf,
  packedFieldCount,
  packFields,
  packSigned,
  reciprocal,
  relu,
  rescale,
  rescaleRelu,
  softermax,
  softermaxVb,
  squareRescale,
  toField,
} from "../src/fixed.ts";
import { poseidonHasher } from "../src/poseidon.ts";
import { type R1cs, readR1cs, unsatisfiedConstraints } from "../src/r1cs.ts";

const W = [
  [3n, -2n, 5n],
  [-7n, 0n, 1n],
];
const B = [100n, -50n];

const base = {
  rescaleIn: 1000n,
  reluIn: 5n,
  leakyIn: 5n,
  clampIn: 0n,
  argIn: [1n, 2n, 3n, 4n, 5n],
  smIn: [256n, 0n, -256n, 512n],
  denseX: [10n, -20n, 30n],
  denseW: [
    [1n, 2n, 3n],
    [-4n, 5n, -6n],
  ],
  denseB: [7n, -8n],
  mmA: [
    [1n, -2n, 3n],
    [4n, 5n, -6n],
  ],
  mmB: [
    [7n, 8n],
    [-9n, 10n],
    [11n, -12n],
  ],
  packIn: [0n, -2048n, 2047n, 5n, -1n],
  naiveIn: 1000n,
  upToIn: 0n,
  atMostIn: 0n,
  sqIn: 0n,
  recipIn: 256n,
  limbsIn: [0n, 0n, 0n, 0n],
};
type Input = typeof base;

let calc: WitnessCalculator;
let sym: Map<string, number>;
let r1cs: R1cs;

beforeAll(async () => {
  // circom_runtime reports every failed assert on console.error; the rejections are asserted below.
  vi.spyOn(console, "error").mockImplementation(() => {});
  const compiled = await compileCircuit(join(circuitsRoot, "test", "fixtures", "components.circom"), {
    outDir: join(circuitsRoot, "build", "test"),
  });
  calc = await loadWitnessCalculator(compiled.wasm);
  sym = readSymbols(compiled.sym);
  r1cs = readR1cs(compiled.r1cs);
}, 120_000);

async function run(overrides: Partial<Input>): Promise<{ w: bigint[]; get: (name: string) => bigint }> {
  const w = await calc.witness({ ...base, ...overrides } as CircuitInput);
  const get = (name: string): bigint => {
    const idx = sym.get(`main.${name}`);
    if (idx === undefined) throw new Error(`no signal main.${name}`);
    return fromField(w[idx] as bigint);
  };
  return { w, get };
}

describe("Rescale / RescaleReLU (s = 8, signed 12-bit quotient)", () => {
  const cases = [0n, 1n, 255n, 256n, -1n, -256n, -257n, 1000n, -1000n, 2047n * 256n + 255n, -2048n * 256n];
  it.each(cases)("floor(%d / 256) matches the reference", async (x) => {
    const { get } = await run({ rescaleIn: x });
    expect(get("rescaleOut")).toBe(rescale(x, 8, 12));
    expect(get("rescaleReluOut")).toBe(rescaleRelu(x, 8, 12));
  });
  it.each([2048n * 256n, -2048n * 256n - 1n, FIELD_P / 2n])(
    "rejects %d (quotient outside 12 bits)",
    async (x) => {
      expect(() => rescale(x, 8, 12)).toThrow(FixedPointRangeError);
      await expect(run({ rescaleIn: x })).rejects.toThrow(WitnessError);
    },
  );
});

describe("piecewise-linear activations", () => {
  it.each([0n, 1n, -1n, 2047n, -2048n, 77n, -77n])("ReLU(%d)", async (x) => {
    expect((await run({ reluIn: x })).get("reluOut")).toBe(relu(x, 12));
  });
  it.each([2048n, -2049n])("ReLU rejects %d outside 12 bits", async (x) => {
    await expect(run({ reluIn: x })).rejects.toThrow(WitnessError);
  });
  it.each([0n, 9n, -1n, -8n, -9n, -2048n, 2047n, -100n])("LeakyReLU(%d) with slope 1/8", async (x) => {
    expect((await run({ leakyIn: x })).get("leakyOut")).toBe(leakyRelu(x, 12, 3));
  });
  it.each([-2048n, -101n, -100n, -99n, 0n, 199n, 200n, 201n, 2047n])(
    "Clamp(%d) to [-100, 200]",
    async (x) => {
      expect((await run({ clampIn: x })).get("clampOut")).toBe(clamp(x, 12, -100n, 200n));
    },
  );
});

describe("ArgMax (ties to the lowest index)", () => {
  const cases: bigint[][] = [
    [1n, 2n, 3n, 4n, 5n],
    [5n, 4n, 3n, 2n, 1n],
    [-5n, -4n, -3n, -4n, -5n],
    [7n, 7n, 7n, 7n, 7n],
    [0n, 9n, 2n, 9n, 9n],
    [-2048n, -2048n, 2047n, -2048n, 2047n],
  ];
  it.each(cases.map((c) => [c.join(", "), c] as const))("argmax of [%s]", async (_, values) => {
    const { get } = await run({ argIn: values });
    const ref = argmax(values, 12);
    expect(get("argIndex")).toBe(BigInt(ref.index));
    expect(get("argMax")).toBe(ref.max);
    expect(get("maxOut")).toBe(maxOf(values, 12));
  });
});

describe("UnsignedUpTo(8): [0, 256] for 9 constraints", () => {
  it.each([0n, 1n, 255n, 256n])("accepts %d", async (x) => {
    await expect(run({ upToIn: x })).resolves.toBeDefined();
  });
  it.each([257n, 511n, -1n, 1024n])("rejects %d", async (x) => {
    await expect(run({ upToIn: x })).rejects.toThrow(WitnessError);
  });
});

describe("UnsignedAtMost(10, 768): any bound, for 20 constraints", () => {
  it.each([0n, 1n, 512n, 767n, 768n])("accepts %d", async (x) => {
    await expect(run({ atMostIn: x })).resolves.toBeDefined();
  });
  it.each([769n, 1023n, 1024n, -1n])("rejects %d", async (x) => {
    await expect(run({ atMostIn: x })).rejects.toThrow(WitnessError);
  });
});

describe("SquareRescale(8) and Reciprocal(20, 12)", () => {
  it.each([0n, 1n, 15n, 16n, 17n, 128n, 255n, 256n])("floor(%d^2 / 256)", async (x) => {
    expect((await run({ sqIn: x })).get("sqOut")).toBe(squareRescale(x, 8));
  });
  it("rejects a square that does not fit 17 bits", async () => {
    expect(() => squareRescale(363n, 8)).toThrow(FixedPointRangeError);
    await expect(run({ sqIn: 363n })).rejects.toThrow(WitnessError);
  });
  it.each([1n, 3n, 256n, 257n, 1000n, 2047n, 4095n])("floor(2^20 / %d)", async (x) => {
    expect((await run({ recipIn: x })).get("recipOut")).toBe(reciprocal(x, 20, 12));
  });
  it("has no witness for 0", async () => {
    expect(() => reciprocal(0n, 20, 12)).toThrow(FixedPointRangeError);
    await expect(run({ recipIn: 0n })).rejects.toThrow(WitnessError);
  });
  it("fixes the remainder by constraints: a reciprocal one off breaks the r1cs", async () => {
    const { w } = await run({ recipIn: 1000n });
    expect(unsatisfiedConstraints(r1cs, w)).toEqual([]);
    const out = sym.get("main.recipOut") as number;
    const cheat = [...w];
    cheat[out] = (cheat[out] as bigint) + 1n;
    expect(unsatisfiedConstraints(r1cs, cheat).length).toBeGreaterThan(0);
  });
});

describe("PackLimbs (per-value widths and offsets)", () => {
  const widths = [120, 120, 20, 9];
  const offsets = [0n, 1n << 119n, 1n << 19n, 0n];
  it("packs like packFields, a value that would cross bit 248 starting the next element", async () => {
    const values = [(1n << 120n) - 1n, -(1n << 119n), (1n << 19n) - 1n, 511n];
    const { get } = await run({ limbsIn: values });
    expect(packedFieldCount(widths)).toBe(2);
    const ref = packFields(values, widths, offsets);
    expect([get("limbsOut[0]"), get("limbsOut[1]")].map(toField)).toEqual(ref);
    expect(ref[1]).toBe((1n << 19n) - 1n + (1n << 19n) + (511n << 20n));
  });
  it("the reference refuses a value outside its slot", () => {
    expect(() => packFields([0n, 0n, 1n << 19n, 0n], widths, offsets)).toThrow(FixedPointRangeError);
  });
});

describe("SofterMax (scale 2^8)", () => {
  const cases: bigint[][] = [
    [256n, 0n, -256n, 512n],
    [0n, 0n, 0n, 0n],
    [-5000n, -5000n, 3000n, 3000n],
    [0n, -2048n, -2049n, -30000n],
    [32767n, -32768n, 0n, 1n],
  ];
  it.each(cases.map((c) => [c.join(", "), c] as const))(
    "softermax of [%s] matches the reference and approximates softmax",
    async (_, values) => {
      const { get } = await run({ smIn: values });
      const out = [0, 1, 2, 3].map((i) => get(`smOut[${i}]`));
      expect(softermaxVb(8, 16)).toBe(14);
      expect(out).toEqual(softermax(values, 8, 16));
      const exps = values.map((v) => Math.exp(Number(v) / 256));
      const sum = exps.reduce((a, x) => a + x, 0);
      out.forEach((o, i) => {
        expect(Math.abs(Number(o) / 256 - (exps[i] as number) / sum)).toBeLessThan(0.08);
      });
      expect(out.reduce((a, x) => a + x, 0n)).toBeLessThanOrEqual(256n);
    },
  );
});

describe("dense layers and matmul", () => {
  it("DenseConst and DensePrivate match the reference, negatives included", async () => {
    const x = [-128n, 255n, -1n];
    const w = [
      [-3n, 1n, 0n],
      [9n, -9n, 2n],
    ];
    const b = [-1000n, 1000n];
    const { get } = await run({ denseX: x, denseW: w, denseB: b });
    expect([get("denseConstOut[0]"), get("denseConstOut[1]")]).toEqual(dense({ w: W, b: B }, x));
    expect([get("densePrivOut[0]"), get("densePrivOut[1]")]).toEqual(dense({ w, b }, x));
  });
  it("MatMul matches the reference", async () => {
    const { get } = await run({});
    const ref = matmul(base.mmA, base.mmB);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) expect(get(`mmOut[${i}][${j}]`)).toBe(ref[i]?.[j]);
  });
});

describe("packing and Poseidon commitments", () => {
  it("RangePackSigned packs like the reference and rejects values outside the bits", async () => {
    const { get } = await run({});
    expect(get("packOut[0]")).toBe(packSigned(base.packIn, 12)[0]);
    await expect(run({ packIn: [0n, 0n, 2048n, 0n, 0n] })).rejects.toThrow(WitnessError);
  });
  it("PoseidonChain matches the TypeScript chain (a 16-ary and a 3-ary call for 17 elements)", async () => {
    const { w } = await run({});
    const poseidon = await poseidonHasher();
    const elems = Array.from({ length: 17 }, (_, i) => toField((base.packIn[i % 5] as bigint) + BigInt(i)));
    expect(w[sym.get("main.hashOut") as number]).toBe(poseidon.chain(elems));
  });
});

describe("remainders are constrained, not asserted", () => {
  it("a shifted quotient passes circomlib-ml's assert-only check but breaks ours", async () => {
    const { w } = await run({ rescaleIn: 1000n, naiveIn: 1000n });
    expect(unsatisfiedConstraints(r1cs, w)).toEqual([]);
    const idx = (name: string): number => {
      const i = sym.get(name);
      if (i === undefined) throw new Error(`no wire ${name}`);
      return i;
    };
    // Naive: out = 3, rem = 232. The cheat out = 4, rem = 232 - 256 satisfies its only constraint,
    // which is linear in the free remainder, so circom's O2 even removes it together with the wire.
    const naive = [...w];
    naive[idx("main.naiveOut")] = 4n;
    const rem = sym.get("main.nv.rem");
    if (rem !== undefined) naive[rem] = toField(232n - 256n);
    expect(unsatisfiedConstraints(r1cs, naive)).toEqual([]);
    // Ours: the same cheat on Rescale must move the remainder bits out of {0,1}: some constraint fails.
    const ours = [...w];
    ours[idx("main.rescaleOut")] = 4n;
    expect(unsatisfiedConstraints(r1cs, ours).length).toBeGreaterThan(0);
    ours[idx("main.r.n2b.out[8]")] = toField((ours[idx("main.r.n2b.out[8]")] as bigint) - 1n);
    expect(unsatisfiedConstraints(r1cs, ours).length).toBeGreaterThan(0);
  });
});
