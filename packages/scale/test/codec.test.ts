import { TypeRegistry as PjsRegistry } from "@polkadot/types";
import { u8aToHex } from "@polkadot/util";
import { describe, expect, it } from "vitest";
import {
  bool,
  bytes,
  compactU32,
  compactU128,
  decode,
  encode,
  enumeration,
  fixedBytes,
  option,
  ScaleError,
  str,
  struct,
  toHex,
  tuple,
  u8,
  u32,
  u64,
  u128,
  u256,
  vec,
} from "../src/index.ts";

const pjs = new PjsRegistry();
const ref = (type: string, value: unknown) => u8aToHex(pjs.createType(type, value).toU8a());

describe("SCALE primitives agree with @polkadot/types", () => {
  it.each([0, 1, 63, 64, 16383, 16384, 2 ** 30 - 1, 2 ** 30, 2 ** 32 - 1])("Compact<u32> %d", (n) => {
    expect(toHex(encode(compactU32, n))).toBe(ref("Compact<u32>", n));
    expect(decode(compactU32, encode(compactU32, n))).toBe(n);
  });

  it.each([0n, 2n ** 32n, 2n ** 64n - 1n, 2n ** 100n, 2n ** 128n - 1n])("Compact<u128> %s", (n) => {
    expect(toHex(encode(compactU128, n))).toBe(ref("Compact<u128>", n));
    expect(decode(compactU128, encode(compactU128, n))).toBe(n);
  });

  it.each([
    ["u128", 0n],
    ["u128", 2n ** 64n - 1n],
    ["u128", 2n ** 64n],
    ["u128", 2n ** 128n - 1n],
    ["u128", 0x0102030405060708090a0b0c0d0e0f10n],
    ["u256", 2n ** 255n + 2n ** 130n + 7n],
    ["u256", 2n ** 256n - 1n],
  ] as const)("%s %s (whole 64-bit words)", (type, n) => {
    const codec = { u128, u256 }[type];
    expect(toHex(encode(codec, n))).toBe(ref(type === "u256" ? "U256" : type, n));
    expect(decode(codec, encode(codec, n))).toBe(n);
  });

  it("fixed integers, bool, strings, bytes", () => {
    expect(toHex(encode(u32, 0xdeadbeef))).toBe(ref("u32", 0xdeadbeef));
    expect(toHex(encode(u64, 2n ** 63n + 5n))).toBe(ref("u64", 2n ** 63n + 5n));
    expect(toHex(encode(u128, 10n ** 30n))).toBe(ref("u128", 10n ** 30n));
    expect(toHex(encode(bool, true))).toBe(ref("bool", true));
    expect(toHex(encode(str, "darwin ✓"))).toBe(ref("Text", "darwin ✓"));
    expect(toHex(encode(bytes, new Uint8Array([1, 2, 3])))).toBe(ref("Bytes", "0x010203"));
  });

  it("composites, options, vectors, tuples, enums", () => {
    const Point = struct({ x: u32, y: option(u64), tags: vec(u8) });
    const value = { x: 7, y: 9n, tags: [1, 2] };
    expect(toHex(encode(Point, value))).toBe(ref("(u32, Option<u64>, Vec<u8>)", [7, 9, [1, 2]]));
    expect(decode(Point, encode(Point, value))).toEqual(value);
    const E = enumeration({
      A: { index: 0 },
      B: { index: 3, value: u32 },
      C: { index: 5, fields: { a: u8, b: bool } },
    });
    expect(toHex(encode(E, { type: "B", value: 1 }))).toBe("0x0301000000");
    expect(decode(E, encode(E, { type: "C", value: { a: 1, b: true } }))).toEqual({
      type: "C",
      value: { a: 1, b: true },
    });
    expect(decode(tuple(u8, str), encode(tuple(u8, str), [1, "x"]))).toEqual([1, "x"]);
  });
});

describe("bad input", () => {
  it("rejects truncation, trailing bytes, non-canonical compacts and bad tags", () => {
    expect(() => decode(u32, new Uint8Array([1, 2]))).toThrow(ScaleError);
    expect(() => decode(u8, new Uint8Array([1, 2]))).toThrow(/trailing/);
    expect(() => decode(compactU32, new Uint8Array([0x01, 0x00]))).toThrow(/canonical/);
    expect(() => decode(option(u8), new Uint8Array([2]))).toThrow(/Option tag/);
    expect(() => decode(bytes, new Uint8Array([0xfe, 0xff, 0xff, 0xff]))).toThrow(/exceeds the input/);
    expect(() => encode(u8, 256)).toThrow(/not a u8/);
    expect(() => encode(fixedBytes(20), new Uint8Array(19))).toThrow(/expected 20 bytes/);
  });

  it("factories return one codec per inner type", () => {
    expect(option(u32)).toBe(option(u32));
    expect(vec(u8)).toBe(vec(u8));
  });
});
