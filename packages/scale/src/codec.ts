import { Reader, ScaleError, Writer } from "./io.ts";

export type Primitive =
  | "bool"
  | "char"
  | "str"
  | "u8"
  | "u16"
  | "u32"
  | "u64"
  | "u128"
  | "u256"
  | "i8"
  | "i16"
  | "i32"
  | "i64"
  | "i128"
  | "i256";

// biome-ignore lint/suspicious/noExplicitAny: a codec of any value, for heterogeneous lists
export type AnyCodec = Codec<any>;

export interface Field {
  readonly name?: string;
  readonly type: AnyCodec;
  /** The Rust type name clients show (`T::Balance`, `AccountId20`). */
  readonly typeName?: string;
  readonly docs?: readonly string[];
}

export interface Variant {
  readonly name: string;
  readonly index: number;
  readonly fields: readonly Field[];
  readonly docs?: readonly string[];
}

export type TypeDef =
  | { readonly tag: "composite"; readonly fields: readonly Field[] }
  | { readonly tag: "variant"; readonly variants: readonly Variant[] }
  | { readonly tag: "sequence"; readonly of: AnyCodec }
  | { readonly tag: "array"; readonly len: number; readonly of: AnyCodec }
  | { readonly tag: "tuple"; readonly of: readonly AnyCodec[] }
  | { readonly tag: "primitive"; readonly prim: Primitive }
  | { readonly tag: "compact"; readonly of: AnyCodec };

/** What the metadata type registry records about a codec (scale-info's `Type`). */
export interface TypeInfo {
  readonly path?: readonly string[];
  readonly params?: readonly { readonly name: string; readonly type?: AnyCodec }[];
  readonly def: TypeDef;
  readonly docs?: readonly string[];
}

/** A SCALE codec that also knows its type description. */
export interface Codec<T> {
  readonly info: TypeInfo;
  encodeTo(value: T, w: Writer): void;
  decodeFrom(r: Reader): T;
}

export type Infer<C> = C extends Codec<infer T> ? T : never;

const vecCache = new WeakMap<AnyCodec, AnyCodec>();
const optionCache = new WeakMap<AnyCodec, AnyCodec>();
const compactCache = new WeakMap<AnyCodec, AnyCodec>();

/** Factories return one codec object per inner codec, so the type registry sees one type. */
function memo<C extends AnyCodec>(cache: WeakMap<AnyCodec, AnyCodec>, key: AnyCodec, make: () => C): C {
  let c = cache.get(key) as C | undefined;
  if (!c) {
    c = make();
    cache.set(key, c);
  }
  return c;
}

// Encoding is hot (every storage write, every event): writers are reused instead of allocated.
const writerPool: Writer[] = [];

export function encode<T>(codec: Codec<T>, value: T): Uint8Array {
  const w = writerPool.pop() ?? new Writer(256);
  w.length = 0;
  try {
    codec.encodeTo(value, w);
    return w.finish();
  } finally {
    if (w.capacity <= 64 * 1024 && writerPool.length < 16) writerPool.push(w);
  }
}

/** Decodes exactly `bytes`; trailing bytes are an error. */
export function decode<T>(codec: Codec<T>, bytes: Uint8Array): T {
  const r = new Reader(bytes);
  const v = codec.decodeFrom(r);
  if (r.remaining !== 0) throw new ScaleError("TrailingBytes", `${r.remaining} trailing bytes after value`);
  return v;
}

function prim<T>(p: Primitive, enc: (v: T, w: Writer) => void, dec: (r: Reader) => T): Codec<T> {
  return { info: { def: { tag: "primitive", prim: p } }, encodeTo: enc, decodeFrom: dec };
}

function checkUint(v: number, max: number, name: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new ScaleError("Overflow", `${v} is not a ${name}`);
}
function checkBig(v: bigint, bits: number, name: string): void {
  if (v < 0n || v >> BigInt(bits) !== 0n) throw new ScaleError("Overflow", `${v} is not a ${name}`);
}

export const bool: Codec<boolean> = prim(
  "bool",
  (v, w) => w.u8(v ? 1 : 0),
  (r) => {
    const b = r.u8();
    if (b > 1) throw new ScaleError("Invalid", `invalid bool byte ${b}`);
    return b === 1;
  },
);
export const u8: Codec<number> = prim(
  "u8",
  (v, w) => {
    checkUint(v, 0xff, "u8");
    w.u8(v);
  },
  (r) => r.u8(),
);
export const u16: Codec<number> = prim(
  "u16",
  (v, w) => {
    checkUint(v, 0xffff, "u16");
    w.u16(v);
  },
  (r) => r.u16(),
);
export const u32: Codec<number> = prim(
  "u32",
  (v, w) => {
    checkUint(v, 0xffffffff, "u32");
    w.u32(v);
  },
  (r) => r.u32(),
);
export const u64: Codec<bigint> = prim(
  "u64",
  (v, w) => {
    checkBig(v, 64, "u64");
    w.u64(v);
  },
  (r) => r.u64(),
);
export const u128: Codec<bigint> = prim(
  "u128",
  (v, w) => {
    checkBig(v, 128, "u128");
    w.uint(v, 16);
  },
  (r) => r.uint(16),
);
export const u256: Codec<bigint> = prim(
  "u256",
  (v, w) => {
    checkBig(v, 256, "u256");
    w.uint(v, 32);
  },
  (r) => r.uint(32),
);
export const i64: Codec<bigint> = prim(
  "i64",
  (v, w) => w.uint(BigInt.asUintN(64, v), 8),
  (r) => BigInt.asIntN(64, r.uint(8)),
);

const MAX_COMPACT = 2n ** 536n;

export function encodeCompact(v: number | bigint, w: Writer): void {
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < 0) throw new ScaleError("Overflow", `${v} is not a compact integer`);
    if (v < 1 << 6) w.u8(v << 2);
    else if (v < 1 << 14) w.u16((v << 2) | 1);
    else if (v < 2 ** 30) w.u32(((v << 2) | 2) >>> 0);
    else encodeCompact(BigInt(v), w);
    return;
  }
  if (v < 0n || v >= MAX_COMPACT) throw new ScaleError("Overflow", `${v} is not a compact integer`);
  if (v < 2n ** 30n) {
    encodeCompact(Number(v), w);
    return;
  }
  let bytes = 0;
  for (let x = v; x > 0n; x >>= 8n) bytes++;
  bytes = Math.max(bytes, 4);
  w.u8(((bytes - 4) << 2) | 3);
  w.uint(v, bytes);
}

export function decodeCompact(r: Reader): bigint {
  const first = r.data[r.offset];
  if (first === undefined) throw new ScaleError("Truncated", "compact integer expected");
  switch (first & 3) {
    case 0:
      r.offset++;
      return BigInt(first >> 2);
    case 1: {
      const v = r.u16() >> 2;
      if (v < 1 << 6) throw new ScaleError("Invalid", "compact integer not in canonical form");
      return BigInt(v);
    }
    case 2: {
      const v = r.u32() >>> 2;
      if (v < 1 << 14) throw new ScaleError("Invalid", "compact integer not in canonical form");
      return BigInt(v);
    }
    default: {
      r.offset++;
      const bytes = (first >> 2) + 4;
      const v = r.uint(bytes);
      if (v < 2n ** 30n || (bytes > 4 && v >> BigInt((bytes - 1) * 8) === 0n)) {
        throw new ScaleError("Invalid", "compact integer not in canonical form");
      }
      return v;
    }
  }
}

/** Decodes a compact length that must fit comfortably in memory. */
export function decodeLength(r: Reader): number {
  const v = decodeCompact(r);
  if (v > BigInt(r.remaining) * 8n + 64n || v > 0xffffffffn) {
    throw new ScaleError("Invalid", `length ${v} exceeds the input`);
  }
  return Number(v);
}

/** `Compact<T>` whose values are JS numbers (for u8..u32). */
export function compactNumber(of: Codec<number>): Codec<number> {
  return memo(compactCache, of, () => ({
    info: { def: { tag: "compact", of } },
    encodeTo: (v, w) => encodeCompact(v, w),
    decodeFrom: (r) => {
      const v = decodeCompact(r);
      if (v > 0xffffffffn) throw new ScaleError("Overflow", "compact value exceeds u32");
      return Number(v);
    },
  }));
}

/** `Compact<T>` whose values are bigints (for u64..u256). */
export function compactBig(of: Codec<bigint>): Codec<bigint> {
  return memo(compactCache, of, () => ({
    info: { def: { tag: "compact", of } },
    encodeTo: (v, w) => encodeCompact(v, w),
    decodeFrom: (r) => {
      const v = decodeCompact(r);
      const prim = of.info.def.tag === "primitive" ? of.info.def.prim : "u256";
      const bits = prim === "u64" ? 64n : prim === "u128" ? 128n : 256n;
      if (v >> bits !== 0n) throw new ScaleError("Overflow", `compact value exceeds ${prim}`);
      return v;
    },
  }));
}

export const compactU32: Codec<number> = compactNumber(u32);
export const compactU64: Codec<bigint> = compactBig(u64);
export const compactU128: Codec<bigint> = compactBig(u128);

export const str: Codec<string> = prim(
  "str",
  (v, w) => {
    const b = new TextEncoder().encode(v);
    encodeCompact(b.length, w);
    w.bytes(b);
  },
  (r) => new TextDecoder("utf-8", { fatal: true }).decode(r.bytes(decodeLength(r))),
);

/** `Vec<T>`. Values of `Vec<u8>` are better served by `bytes`. */
export function vec<T>(of: Codec<T>): Codec<T[]> {
  return memo(vecCache, of, () => makeVec(of));
}

function makeVec<T>(of: Codec<T>): Codec<T[]> {
  return {
    info: { def: { tag: "sequence", of } },
    encodeTo(v, w) {
      encodeCompact(v.length, w);
      for (const x of v) of.encodeTo(x, w);
    },
    decodeFrom(r) {
      const n = decodeLength(r);
      const out: T[] = [];
      for (let i = 0; i < n; i++) out.push(of.decodeFrom(r));
      return out;
    },
  };
}

/** `Vec<u8>` as a Uint8Array. */
export const bytes: Codec<Uint8Array> = {
  info: { def: { tag: "sequence", of: u8 } },
  encodeTo(v, w) {
    encodeCompact(v.length, w);
    w.bytes(v);
  },
  decodeFrom(r) {
    return r.bytes(decodeLength(r)).slice();
  },
};

/** `[u8; N]` as a Uint8Array. */
export function fixedBytes(len: number, path?: readonly string[]): Codec<Uint8Array> {
  const array: Codec<Uint8Array> = {
    info: { def: { tag: "array", len, of: u8 } },
    encodeTo(v, w) {
      if (v.length !== len) throw new ScaleError("Invalid", `expected ${len} bytes, got ${v.length}`);
      w.bytes(v);
    },
    decodeFrom: (r) => r.bytes(len).slice(),
  };
  if (path === undefined) return array;
  // A named newtype around the array, e.g. `primitive_types::H256`.
  return {
    ...array,
    info: { path, def: { tag: "composite", fields: [{ type: array, typeName: `[u8; ${len}]` }] } },
  };
}

/** A composite (struct) with named fields; `T` is its JS object shape. */
export function struct<T extends object>(
  fields: { readonly [K in keyof T]: Codec<T[K]> },
  meta: {
    path?: readonly string[];
    typeNames?: Partial<Record<keyof T, string>>;
    docs?: readonly string[];
  } = {},
): Codec<T> {
  const entries = Object.entries(fields) as [keyof T & string, AnyCodec][];
  const info: TypeInfo = {
    ...(meta.path ? { path: meta.path } : {}),
    ...(meta.docs ? { docs: meta.docs } : {}),
    def: {
      tag: "composite",
      fields: entries.map(([name, type]) => {
        const typeName = meta.typeNames?.[name];
        return typeName ? { name, type, typeName } : { name, type };
      }),
    },
  };
  return {
    info,
    encodeTo(v, w) {
      for (const [name, codec] of entries) codec.encodeTo(v[name], w);
    },
    decodeFrom(r) {
      const out = {} as Record<string, unknown>;
      for (const [name, codec] of entries) out[name] = codec.decodeFrom(r);
      return out as T;
    },
  };
}

/** A newtype struct with one unnamed field, as `struct AccountId20([u8; 20])`. */
export function newtype<T>(path: readonly string[], inner: Codec<T>, typeName?: string): Codec<T> {
  return {
    info: {
      path,
      def: { tag: "composite", fields: [typeName ? { type: inner, typeName } : { type: inner }] },
    },
    encodeTo: inner.encodeTo,
    decodeFrom: inner.decodeFrom,
  };
}

export function tuple<T extends unknown[]>(...of: { [K in keyof T]: Codec<T[K]> }): Codec<T> {
  const list = of as readonly AnyCodec[];
  return {
    info: { def: { tag: "tuple", of: list } },
    encodeTo(v, w) {
      list.forEach((c, i) => {
        c.encodeTo(v[i], w);
      });
    },
    decodeFrom(r) {
      return list.map((c) => c.decodeFrom(r)) as T;
    },
  };
}

export const unit: Codec<null> = {
  info: { def: { tag: "tuple", of: [] } },
  encodeTo() {},
  decodeFrom: () => null,
};

/** `Option<T>`; `undefined` is `None`. `Option<bool>` uses the same layout (no special case needed here). */
export function option<T>(of: Codec<T>): Codec<T | undefined> {
  return memo(optionCache, of, () => makeOption(of));
}

function makeOption<T>(of: Codec<T>): Codec<T | undefined> {
  return {
    info: {
      path: ["Option"],
      params: [{ name: "T", type: of }],
      def: {
        tag: "variant",
        variants: [
          { name: "None", index: 0, fields: [] },
          { name: "Some", index: 1, fields: [{ type: of }] },
        ],
      },
    },
    encodeTo(v, w) {
      if (v === undefined) w.u8(0);
      else {
        w.u8(1);
        of.encodeTo(v, w);
      }
    },
    decodeFrom(r) {
      const tag = r.u8();
      if (tag === 0) return undefined;
      if (tag === 1) return of.decodeFrom(r);
      throw new ScaleError("Invalid", `invalid Option tag ${tag}`);
    },
  };
}

export type ResultValue<T, E> = { readonly ok: T } | { readonly err: E };

export function result<T, E>(ok: Codec<T>, err: Codec<E>): Codec<ResultValue<T, E>> {
  return {
    info: {
      path: ["Result"],
      params: [
        { name: "T", type: ok },
        { name: "E", type: err },
      ],
      def: {
        tag: "variant",
        variants: [
          { name: "Ok", index: 0, fields: [{ type: ok }] },
          { name: "Err", index: 1, fields: [{ type: err }] },
        ],
      },
    },
    encodeTo(v, w) {
      if ("ok" in v) {
        w.u8(0);
        ok.encodeTo(v.ok, w);
      } else {
        w.u8(1);
        err.encodeTo(v.err, w);
      }
    },
    decodeFrom(r) {
      const tag = r.u8();
      if (tag === 0) return { ok: ok.decodeFrom(r) };
      if (tag === 1) return { err: err.decodeFrom(r) };
      throw new ScaleError("Invalid", `invalid Result tag ${tag}`);
    },
  };
}

/** Enum value: `{ type: "Name" }` or `{ type: "Name", value }`. */
export type EnumValue = { readonly type: string; readonly value?: unknown };

export interface EnumVariantSpec {
  readonly index: number;
  /** Payload: none, one unnamed field, a struct (named fields) or a tuple of unnamed fields. */
  readonly value?: AnyCodec;
  /** Named fields (value is then an object with these names). */
  readonly fields?: Readonly<Record<string, AnyCodec>>;
  /** Several unnamed fields (value is then an array), as `PreRuntime(ConsensusEngineId, Vec<u8>)`. */
  readonly tupleFields?: readonly { readonly type: AnyCodec; readonly typeName?: string }[];
  readonly typeNames?: Readonly<Record<string, string>>;
  readonly docs?: readonly string[];
}

/**
 * A Rust enum. Variants with `fields` carry an object value; with `value` a single unnamed field;
 * otherwise no value. Indices are explicit and stable.
 */
export function enumeration<T extends EnumValue = EnumValue>(
  variants: Readonly<Record<string, EnumVariantSpec>>,
  meta: { path?: readonly string[]; params?: TypeInfo["params"]; docs?: readonly string[] } = {},
): Codec<T> {
  type Full = EnumVariantSpec & { name: string; fieldList?: readonly (readonly [string, AnyCodec])[] };
  const byName = new Map<string, Full>();
  const byIndex = new Map<number, Full>();
  for (const [name, spec] of Object.entries(variants)) {
    if (byIndex.has(spec.index)) throw new Error(`duplicate enum index ${spec.index} (${name})`);
    // Field lists are listed once here, not per value encoded or decoded (events are hot).
    const full: Full = { ...spec, name, ...(spec.fields ? { fieldList: Object.entries(spec.fields) } : {}) };
    byName.set(name, full);
    byIndex.set(spec.index, full);
  }
  const info: TypeInfo = {
    ...(meta.path ? { path: meta.path } : {}),
    ...(meta.params ? { params: meta.params } : {}),
    ...(meta.docs ? { docs: meta.docs } : {}),
    def: {
      tag: "variant",
      variants: [...byIndex.values()]
        .sort((a, b) => a.index - b.index)
        .map((v) => ({
          name: v.name,
          index: v.index,
          ...(v.docs ? { docs: v.docs } : {}),
          fields: v.tupleFields
            ? v.tupleFields.map((f) =>
                f.typeName ? { type: f.type, typeName: f.typeName } : { type: f.type },
              )
            : v.fields
              ? Object.entries(v.fields).map(([name, type]) => {
                  const typeName = v.typeNames?.[name];
                  return typeName ? { name, type, typeName } : { name, type };
                })
              : v.value
                ? [{ type: v.value }]
                : [],
        })),
    },
  };
  return {
    info,
    encodeTo(v, w) {
      const spec = byName.get(v.type);
      if (!spec) throw new ScaleError("Invalid", `unknown variant ${v.type}`);
      w.u8(spec.index);
      if (spec.tupleFields) {
        const arr = v.value as unknown[];
        spec.tupleFields.forEach((f, i) => {
          f.type.encodeTo(arr[i], w);
        });
      } else if (spec.fieldList) {
        const obj = v.value as Record<string, unknown>;
        for (const [name, codec] of spec.fieldList) codec.encodeTo(obj[name], w);
      } else if (spec.value) spec.value.encodeTo(v.value, w);
    },
    decodeFrom(r) {
      const index = r.u8();
      const spec = byIndex.get(index);
      if (!spec) throw new ScaleError("Invalid", `unknown variant index ${index}`);
      if (spec.tupleFields)
        return { type: spec.name, value: spec.tupleFields.map((f) => f.type.decodeFrom(r)) } as T;
      if (spec.fieldList) {
        const obj: Record<string, unknown> = {};
        for (const [name, codec] of spec.fieldList) obj[name] = codec.decodeFrom(r);
        return { type: spec.name, value: obj } as T;
      }
      if (spec.value) return { type: spec.name, value: spec.value.decodeFrom(r) } as T;
      return { type: spec.name } as T;
    },
  };
}

/** Wraps a codec with a different JS representation; type info stays that of `inner`. */
export function map<A, B>(inner: Codec<A>, to: (a: A) => B, from: (b: B) => A, info?: TypeInfo): Codec<B> {
  return {
    info: info ?? inner.info,
    encodeTo: (v, w) => inner.encodeTo(from(v), w),
    decodeFrom: (r) => to(inner.decodeFrom(r)),
  };
}

/** A codec whose type info is given explicitly (for recursive or hand-described types). */
export function withInfo<T>(inner: Codec<T>, info: TypeInfo): Codec<T> {
  return { info, encodeTo: inner.encodeTo, decodeFrom: inner.decodeFrom };
}

/** Lazily resolved codec, for recursive types (e.g. a call that contains calls). */
export function lazy<T>(get: () => Codec<T>): Codec<T> {
  let cached: Codec<T> | undefined;
  const resolve = () => {
    cached ??= get();
    return cached;
  };
  const codec: Codec<T> & { readonly lazyTarget: () => AnyCodec } = {
    get info() {
      return resolve().info;
    },
    encodeTo: (v, w) => resolve().encodeTo(v, w),
    decodeFrom: (r) => resolve().decodeFrom(r),
    lazyTarget: resolve,
  };
  return codec;
}

/** The codec a lazy codec stands for (the registry records that one, once). */
export function unwrapLazy(codec: AnyCodec): AnyCodec {
  let c = codec as AnyCodec & { lazyTarget?: () => AnyCodec };
  while (c.lazyTarget) c = c.lazyTarget() as AnyCodec & { lazyTarget?: () => AnyCodec };
  return c;
}

/** Bytes passed through as-is (already SCALE encoded), typed as `of` in metadata. */
export function opaque(of: AnyCodec): Codec<Uint8Array> {
  return { info: of.info, encodeTo: (v, w) => w.bytes(v), decodeFrom: (r) => r.bytes(r.remaining).slice() };
}
