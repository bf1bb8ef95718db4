import { blake2_128, blake2_256, twox64, twox128, twox256 } from "@darwin/crypto";
import {
  type AnyCodec,
  type Codec,
  concatBytes,
  decode,
  encode,
  Reader,
  startsWith,
  toHex,
} from "@darwin/scale";
import type { Externalities } from "./externalities.ts";

export type HasherName =
  | "Blake2_128"
  | "Blake2_256"
  | "Blake2_128Concat"
  | "Twox128"
  | "Twox256"
  | "Twox64Concat"
  | "Identity";

export const HASHER_INDEX: Record<HasherName, number> = {
  Blake2_128: 0,
  Blake2_256: 1,
  Blake2_128Concat: 2,
  Twox128: 3,
  Twox256: 4,
  Twox64Concat: 5,
  Identity: 6,
};

export function hashKey(hasher: HasherName, encoded: Uint8Array): Uint8Array {
  switch (hasher) {
    case "Blake2_128":
      return blake2_128(encoded);
    case "Blake2_256":
      return blake2_256(encoded);
    case "Blake2_128Concat":
      return concatBytes(blake2_128(encoded), encoded);
    case "Twox128":
      return twox128(encoded);
    case "Twox256":
      return twox256(encoded);
    case "Twox64Concat":
      return concatBytes(twox64(encoded), encoded);
    case "Identity":
      return encoded;
  }
}

/** Bytes the hasher puts before the key itself (for decoding keys of transparent hashers). */
function hasherPrefixLength(hasher: HasherName): number | undefined {
  switch (hasher) {
    case "Blake2_128Concat":
      return 16;
    case "Twox64Concat":
      return 8;
    case "Identity":
      return 0;
    default:
      return undefined;
  }
}

const utf8 = new TextEncoder();
export function storagePrefix(pallet: string, item: string): Uint8Array {
  return concatBytes(twox128(utf8.encode(pallet)), twox128(utf8.encode(item)));
}

/** What metadata records about a storage item. */
export interface StorageEntryMeta {
  readonly name: string;
  readonly modifier: "Optional" | "Default";
  readonly kind:
    | { readonly tag: "plain"; readonly value: AnyCodec }
    | {
        readonly tag: "map";
        readonly hashers: readonly HasherName[];
        /** The key type: one codec, or a tuple codec for double/N maps. */
        readonly key: AnyCodec;
        readonly value: AnyCodec;
      };
  readonly defaultBytes: Uint8Array;
  readonly docs: readonly string[];
}

export interface StorageItem {
  readonly meta: StorageEntryMeta;
  bindPallet(pallet: string): void;
}

abstract class Bound {
  protected prefixBytes: Uint8Array | undefined;
  protected palletName: string | undefined;
  readonly name: string;

  constructor(name: string) {
    this.name = name;
  }

  bindPallet(pallet: string): void {
    this.palletName = pallet;
    this.prefixBytes = storagePrefix(pallet, this.name);
  }

  /** `twox128(pallet) ++ twox128(item)`. */
  get prefix(): Uint8Array {
    if (!this.prefixBytes) throw new Error(`storage item ${this.name} is not part of a pallet`);
    return this.prefixBytes;
  }
}

export interface ValueOpts<T> {
  readonly name: string;
  readonly value: Codec<T>;
  /** With a default, a missing value reads as the default (`ValueQuery`); without, as undefined. */
  readonly default?: T;
  readonly docs?: readonly string[];
}

export class StorageValue<T, D extends T | undefined = T | undefined> extends Bound implements StorageItem {
  readonly codec: Codec<T>;
  readonly meta: StorageEntryMeta;
  private readonly defaultValue: T | undefined;

  constructor(opts: ValueOpts<T>) {
    super(opts.name);
    this.codec = opts.value;
    this.defaultValue = opts.default;
    this.meta = {
      name: opts.name,
      modifier: opts.default === undefined ? "Optional" : "Default",
      kind: { tag: "plain", value: opts.value },
      // Lazy: a value type may be the runtime's own (System.Events), known only after composition.
      get defaultBytes() {
        return opts.default === undefined ? new Uint8Array([0]) : encode(opts.value, opts.default);
      },
      docs: opts.docs ?? [],
    };
  }

  get key(): Uint8Array {
    return this.prefix;
  }

  get(ext: Externalities): D extends undefined ? T | undefined : T {
    const raw = ext.get(this.prefix);
    return (raw === undefined ? this.defaultValue : decode(this.codec, raw)) as D extends undefined
      ? T | undefined
      : T;
  }

  exists(ext: Externalities): boolean {
    return ext.get(this.prefix) !== undefined;
  }

  set(ext: Externalities, value: T): void {
    ext.set(this.prefix, encode(this.codec, value));
  }

  kill(ext: Externalities): void {
    ext.clear(this.prefix);
  }

  mutate<R>(
    ext: Externalities,
    fn: (v: D extends undefined ? T | undefined : T) => { value: T; result: R },
  ): R {
    const { value, result } = fn(this.get(ext));
    this.set(ext, value);
    return result;
  }
}

/** A key part: its codec and hasher. Double maps and N-maps have several. */
export interface KeyPart<K> {
  readonly codec: Codec<K>;
  readonly hasher: HasherName;
}

export interface MapOpts<K extends unknown[], V> {
  readonly name: string;
  readonly keys: { readonly [I in keyof K]: KeyPart<K[I]> };
  /** The key type metadata records: the single key codec, or a tuple codec of all key codecs. */
  readonly keyType: AnyCodec;
  readonly value: Codec<V>;
  readonly default?: V;
  readonly docs?: readonly string[];
}

/** The general N-key map (`StorageNMap`); `StorageMap` and `StorageDoubleMap` are its 1- and 2-key forms. */
export class StorageNMap<K extends unknown[], V, D extends V | undefined = V | undefined>
  extends Bound
  implements StorageItem
{
  readonly meta: StorageEntryMeta;
  readonly codec: Codec<V>;
  private readonly parts: readonly KeyPart<unknown>[];
  private readonly defaultValue: V | undefined;

  constructor(opts: MapOpts<K, V>) {
    super(opts.name);
    this.parts = opts.keys as readonly KeyPart<unknown>[];
    this.codec = opts.value;
    this.defaultValue = opts.default;
    this.meta = {
      name: opts.name,
      modifier: opts.default === undefined ? "Optional" : "Default",
      kind: { tag: "map", hashers: this.parts.map((p) => p.hasher), key: opts.keyType, value: opts.value },
      defaultBytes: opts.default === undefined ? new Uint8Array([0]) : encode(opts.value, opts.default),
      docs: opts.docs ?? [],
    };
  }

  /** The full storage key of an entry. */
  keyOf(...keys: K): Uint8Array {
    if (this.parts.length === 1) {
      // Hot maps (System.Account) see the same few keys over and over: remember their hashed form.
      const part = this.parts[0]!;
      const encoded = encode(part.codec, keys[0]);
      const memoKey = toHex(encoded);
      let full = this.keyMemo.get(memoKey);
      if (!full) {
        full = concatBytes(this.prefix, hashKey(part.hasher, encoded));
        if (this.keyMemo.size >= 4096) this.keyMemo.clear();
        this.keyMemo.set(memoKey, full);
      }
      return full;
    }
    const parts: Uint8Array[] = [this.prefix];
    this.parts.forEach((p, i) => {
      parts.push(hashKey(p.hasher, encode(p.codec, keys[i])));
    });
    return concatBytes(...parts);
  }

  private readonly keyMemo = new Map<string, Uint8Array>();

  /** The prefix covering all entries whose first `keys.length` keys are `keys`. */
  prefixOf(...keys: unknown[]): Uint8Array {
    const parts: Uint8Array[] = [this.prefix];
    keys.forEach((k, i) => {
      const p = this.parts[i]!;
      parts.push(hashKey(p.hasher, encode(p.codec, k)));
    });
    return concatBytes(...parts);
  }

  get(ext: Externalities, ...keys: K): D extends undefined ? V | undefined : V {
    const raw = ext.get(this.keyOf(...keys));
    return (raw === undefined ? this.defaultValue : decode(this.codec, raw)) as D extends undefined
      ? V | undefined
      : V;
  }

  contains(ext: Externalities, ...keys: K): boolean {
    return ext.get(this.keyOf(...keys)) !== undefined;
  }

  insert(ext: Externalities, ...args: [...K, V]): void {
    const value = args.pop() as V;
    ext.set(this.keyOf(...(args as unknown as K)), encode(this.codec, value));
  }

  remove(ext: Externalities, ...keys: K): void {
    ext.clear(this.keyOf(...keys));
  }

  /** Decodes the key parts back out of a full storage key (transparent hashers only). */
  decodeKey(full: Uint8Array): K {
    const r = new Reader(full, this.prefix.length);
    return this.parts.map((p) => {
      const skip = hasherPrefixLength(p.hasher);
      if (skip === undefined) throw new Error(`cannot decode keys hashed with ${p.hasher}`);
      r.offset += skip;
      return p.codec.decodeFrom(r);
    }) as K;
  }

  /** All entries (optionally under a partial key), in key order. */
  *entries(ext: Externalities, ...partial: unknown[]): Generator<[K, V]> {
    const prefix = this.prefixOf(...partial);
    let key = ext.nextKey(prefix);
    while (key !== undefined && startsWith(key, prefix)) {
      const raw = ext.get(key);
      if (raw !== undefined) yield [this.decodeKey(key), decode(this.codec, raw)];
      key = ext.nextKey(key);
    }
  }

  clear(ext: Externalities, ...partial: unknown[]): number {
    return ext.clearPrefix(this.prefixOf(...partial)).removed;
  }
}

export function storageValue<T>(opts: ValueOpts<T> & { default: T }): StorageValue<T, T>;
export function storageValue<T>(opts: ValueOpts<T>): StorageValue<T, undefined>;
export function storageValue<T>(opts: ValueOpts<T>): StorageValue<T> {
  return new StorageValue(opts);
}

export function storageMap<K, V>(opts: {
  name: string;
  hasher: HasherName;
  key: Codec<K>;
  value: Codec<V>;
  default: V;
  docs?: readonly string[];
}): StorageNMap<[K], V, V>;
export function storageMap<K, V>(opts: {
  name: string;
  hasher: HasherName;
  key: Codec<K>;
  value: Codec<V>;
  docs?: readonly string[];
}): StorageNMap<[K], V, undefined>;
export function storageMap<K, V>(opts: {
  name: string;
  hasher: HasherName;
  key: Codec<K>;
  value: Codec<V>;
  default?: V;
  docs?: readonly string[];
}): StorageNMap<[K], V> {
  return new StorageNMap<[K], V>({
    name: opts.name,
    keys: [{ codec: opts.key, hasher: opts.hasher }],
    keyType: opts.key,
    value: opts.value,
    ...(opts.default !== undefined ? { default: opts.default } : {}),
    ...(opts.docs ? { docs: opts.docs } : {}),
  });
}

export function storageDoubleMap<K1, K2, V>(opts: {
  name: string;
  key1: KeyPart<K1>;
  key2: KeyPart<K2>;
  keyType: AnyCodec;
  value: Codec<V>;
  default?: V;
  docs?: readonly string[];
}): StorageNMap<[K1, K2], V> {
  return new StorageNMap<[K1, K2], V>({
    name: opts.name,
    keys: [opts.key1, opts.key2],
    keyType: opts.keyType,
    value: opts.value,
    ...(opts.default !== undefined ? { default: opts.default } : {}),
    ...(opts.docs ? { docs: opts.docs } : {}),
  });
}
