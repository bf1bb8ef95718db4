// Parity's trie node codec as sp-trie uses it (no extension nodes, nibbled branches):
//
//   node   := header partial [bitmap] [value] children*
//   header := 2-4 prefix bits for the node kind, then the partial key's nibble count
//   partial:= the nibbles packed two per byte; an odd count puts one nibble alone in the low half of
//             the first byte
//   bitmap := u16 little-endian, bit i set when child i exists (branches only)
//   value  := Compact<u32> length ++ bytes, or (hashed-value kinds) the 32-byte hash of the value
//   child  := Compact<u32> length ++ (32-byte hash, or the child's own encoding when shorter than 32)

import { TrieError } from "./errors.ts";

export const HASH_LENGTH = 32;

const EMPTY_TRIE = 0x00;
const LEAF = 0b01 << 6;
const BRANCH_NO_VALUE = 0b10 << 6;
const BRANCH_WITH_VALUE = 0b11 << 6;
const HASHED_VALUE_LEAF = 0b001 << 5;
const HASHED_VALUE_BRANCH = 0b0001 << 4;
/** sp-trie refuses partial keys longer than this (NIBBLE_SIZE_BOUND). */
export const MAX_PARTIAL_NIBBLES = 65535;

/** A value as a node holds it: inline bytes, or the hash of a separately stored value node. */
export type NodeValue =
  | { readonly kind: "inline"; readonly bytes: Uint8Array }
  | { readonly kind: "hashed"; readonly hash: Uint8Array };

/**
 * A child reference exactly as encoded: 32 bytes is a hash, anything shorter is the child's
 * own (inline) encoding.
 */
export type ChildRef = Uint8Array;

/**
 * A decoded node. Child references stay offsets into the encoding until asked for: lookups touch
 * one child per node, and a cached branch then costs a few dozen bytes instead of 16 views.
 */
export class DecodedNode {
  /** The partial key, one nibble per byte. */
  readonly partial: Uint8Array;
  readonly value: NodeValue | undefined;
  readonly isBranch: boolean;
  readonly #data: Uint8Array;
  /** Per child slot: start offset in #data, or -1; lengths alongside. */
  readonly #starts: Int32Array | undefined;
  readonly #lengths: Uint8Array | undefined;

  constructor(
    data: Uint8Array,
    partial: Uint8Array,
    value: NodeValue | undefined,
    starts: Int32Array | undefined,
    lengths: Uint8Array | undefined,
  ) {
    this.#data = data;
    this.partial = partial;
    this.value = value;
    this.isBranch = starts !== undefined;
    this.#starts = starts;
    this.#lengths = lengths;
  }

  /** The reference in child slot `index` (0-15), if any. */
  child(index: number): ChildRef | undefined {
    const start = this.#starts?.[index] ?? -1;
    if (start < 0) return undefined;
    return this.#data.subarray(start, start + this.#lengths![index]!);
  }

  /** 16 slots for a branch (a fresh array each time); undefined for a leaf. */
  get children(): Array<ChildRef | undefined> | undefined {
    if (!this.isBranch) return undefined;
    const out = new Array<ChildRef | undefined>(16);
    for (let i = 0; i < 16; i++) out[i] = this.child(i);
    return out;
  }
}

export function bytesToNibbles(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 2);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out[2 * i] = b >> 4;
    out[2 * i + 1] = b & 0x0f;
  }
  return out;
}

/** Packs an even number of nibbles back into bytes (keys always end on a byte boundary). */
export function nibblesToBytes(nibbles: Uint8Array): Uint8Array {
  if (nibbles.length % 2 !== 0) throw new TrieError("BAD_KEY", "a key cannot end on half a byte");
  const out = new Uint8Array(nibbles.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (nibbles[2 * i]! << 4) | nibbles[2 * i + 1]!;
  return out;
}

/** A growable byte buffer: node encodings are built in one pass without intermediate arrays. */
class Writer {
  buf: Uint8Array;
  len = 0;
  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }
  #grow(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + extra));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number): void {
    this.#grow(1);
    this.buf[this.len++] = b;
  }
  bytes(b: Uint8Array): void {
    this.#grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  compact(n: number): void {
    if (n < 1 << 6) this.byte(n << 2);
    else if (n < 1 << 14) {
      const v = (n << 2) | 0b01;
      this.byte(v & 0xff);
      this.byte(v >> 8);
    } else if (n < 1 << 30) {
      const v = ((n << 2) | 0b10) >>> 0;
      this.byte(v & 0xff);
      this.byte((v >>> 8) & 0xff);
      this.byte((v >>> 16) & 0xff);
      this.byte(v >>> 24);
    } else {
      // Big-integer mode with 4 bytes suffices for any u32 length.
      this.byte(0b11);
      this.byte(n & 0xff);
      this.byte((n >>> 8) & 0xff);
      this.byte((n >>> 16) & 0xff);
      this.byte(n >>> 24);
    }
  }
  finish(): Uint8Array {
    // Sizes are computed exactly up front, so this is normally the buffer itself, uncopied.
    return this.len === this.buf.length ? this.buf : this.buf.slice(0, this.len);
  }
}

function writeHeader(w: Writer, prefix: number, prefixBits: number, nibbleCount: number): void {
  if (nibbleCount > MAX_PARTIAL_NIBBLES) {
    throw new TrieError("BAD_KEY", `partial key of ${nibbleCount} nibbles exceeds ${MAX_PARTIAL_NIBBLES}`);
  }
  const max = 0xff >> prefixBits;
  if (nibbleCount < max) {
    w.byte(prefix | nibbleCount);
    return;
  }
  w.byte(prefix | max);
  let rest = nibbleCount - max;
  while (rest >= 255) {
    w.byte(255);
    rest -= 255;
  }
  w.byte(rest);
}

function writePartial(w: Writer, partial: Uint8Array): void {
  let i = 0;
  if (partial.length % 2 === 1) {
    w.byte(partial[0]!);
    i = 1;
  }
  for (; i < partial.length; i += 2) w.byte((partial[i]! << 4) | partial[i + 1]!);
}

function writeValue(w: Writer, value: NodeValue): void {
  if (value.kind === "hashed") w.bytes(value.hash);
  else {
    w.compact(value.bytes.length);
    w.bytes(value.bytes);
  }
}

/** The empty trie's single node. */
export const EMPTY_NODE: Uint8Array = Uint8Array.of(EMPTY_TRIE);

function compactLength(n: number): number {
  return n < 1 << 6 ? 1 : n < 1 << 14 ? 2 : n < 1 << 30 ? 4 : 5;
}

function headerLength(prefixBits: number, nibbleCount: number): number {
  const max = 0xff >> prefixBits;
  return nibbleCount < max ? 1 : 2 + Math.floor((nibbleCount - max) / 255);
}

function valueLength(value: NodeValue): number {
  return value.kind === "hashed" ? HASH_LENGTH : compactLength(value.bytes.length) + value.bytes.length;
}

export function encodeLeaf(partial: Uint8Array, value: NodeValue): Uint8Array {
  const w = new Writer(
    headerLength(value.kind === "hashed" ? 3 : 2, partial.length) +
      ((partial.length + 1) >> 1) +
      valueLength(value),
  );
  if (value.kind === "hashed") writeHeader(w, HASHED_VALUE_LEAF, 3, partial.length);
  else writeHeader(w, LEAF, 2, partial.length);
  writePartial(w, partial);
  writeValue(w, value);
  return w.finish();
}

export function encodeBranch(
  partial: Uint8Array,
  value: NodeValue | undefined,
  children: ReadonlyArray<ChildRef | undefined>,
): Uint8Array {
  const bits = value === undefined ? 2 : value.kind === "hashed" ? 4 : 2;
  let size = headerLength(bits, partial.length) + ((partial.length + 1) >> 1) + 2;
  if (value !== undefined) size += valueLength(value);
  let bitmap = 0;
  for (let i = 0; i < 16; i++) {
    const c = children[i];
    if (c !== undefined) {
      bitmap |= 1 << i;
      size += c.length + compactLength(c.length);
    }
  }
  if (bitmap === 0) throw new TrieError("BAD_NODE", "a branch needs at least one child");
  const w = new Writer(size);
  if (value === undefined) writeHeader(w, BRANCH_NO_VALUE, 2, partial.length);
  else if (value.kind === "hashed") writeHeader(w, HASHED_VALUE_BRANCH, 4, partial.length);
  else writeHeader(w, BRANCH_WITH_VALUE, 2, partial.length);
  writePartial(w, partial);
  w.byte(bitmap & 0xff);
  w.byte(bitmap >> 8);
  if (value !== undefined) writeValue(w, value);
  for (let i = 0; i < 16; i++) {
    const c = children[i];
    if (c === undefined) continue;
    w.compact(c.length);
    w.bytes(c);
  }
  return w.finish();
}

class Reader {
  pos = 0;
  readonly data: Uint8Array;
  constructor(data: Uint8Array) {
    this.data = data;
  }
  byte(): number {
    if (this.pos >= this.data.length) throw new TrieError("BAD_NODE", "node encoding ends early");
    return this.data[this.pos++]!;
  }
  take(n: number): Uint8Array {
    if (this.pos + n > this.data.length) throw new TrieError("BAD_NODE", "node encoding ends early");
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  compact(): number {
    const b0 = this.byte();
    switch (b0 & 0b11) {
      case 0:
        return b0 >> 2;
      case 1:
        return ((b0 | (this.byte() << 8)) >>> 2) & 0x3fff;
      case 2:
        return ((b0 | (this.byte() << 8) | (this.byte() << 16) | (this.byte() << 24)) >>> 2) >>> 0;
      default: {
        const n = (b0 >> 2) + 4;
        if (n > 4) throw new TrieError("BAD_NODE", "length prefix too large");
        return (this.byte() | (this.byte() << 8) | (this.byte() << 16) | (this.byte() << 24)) >>> 0;
      }
    }
  }
}

function readSize(r: Reader, first: number, prefixBits: number): number {
  const max = 0xff >> prefixBits;
  let size = first & max;
  if (size < max) return size;
  for (;;) {
    const n = r.byte();
    size += n;
    if (n < 255) return size;
    if (size > MAX_PARTIAL_NIBBLES) throw new TrieError("BAD_NODE", "partial key too long");
  }
}

function readPartial(r: Reader, count: number): Uint8Array {
  const packed = r.take((count + 1) >> 1);
  const out = new Uint8Array(count);
  let j = 0;
  let i = 0;
  if (count % 2 === 1) {
    if (packed[0]! >> 4 !== 0) throw new TrieError("BAD_NODE", "invalid padding in partial key");
    out[j++] = packed[0]!;
    i = 1;
  }
  for (; i < packed.length; i++) {
    const b = packed[i]!;
    out[j++] = b >> 4;
    out[j++] = b & 0x0f;
  }
  return out;
}

/** Decodes a (non-empty) trie node; throws `TrieError` BAD_NODE on malformed input. */
export function decodeNode(data: Uint8Array): DecodedNode {
  const r = new Reader(data);
  const first = r.byte();
  if (first === EMPTY_TRIE) throw new TrieError("BAD_NODE", "the empty node is not a trie node");
  let kind: "leaf" | "branch";
  let hasValue: boolean;
  let hashedValue = false;
  let count: number;
  switch (first & 0xc0) {
    case LEAF:
      kind = "leaf";
      hasValue = true;
      count = readSize(r, first, 2);
      break;
    case BRANCH_WITH_VALUE:
      kind = "branch";
      hasValue = true;
      count = readSize(r, first, 2);
      break;
    case BRANCH_NO_VALUE:
      kind = "branch";
      hasValue = false;
      count = readSize(r, first, 2);
      break;
    default:
      if ((first & 0xe0) === HASHED_VALUE_LEAF) {
        kind = "leaf";
        hasValue = true;
        hashedValue = true;
        count = readSize(r, first, 3);
      } else if ((first & 0xf0) === HASHED_VALUE_BRANCH) {
        kind = "branch";
        hasValue = true;
        hashedValue = true;
        count = readSize(r, first, 4);
      } else {
        throw new TrieError("BAD_NODE", `unknown node header 0x${first.toString(16)}`);
      }
  }
  const partial = readPartial(r, count);
  let bitmap = 0;
  if (kind === "branch") {
    bitmap = r.byte() | (r.byte() << 8);
    if (bitmap === 0) throw new TrieError("BAD_NODE", "branch without children");
  }
  let value: NodeValue | undefined;
  if (hasValue) {
    value = hashedValue
      ? { kind: "hashed", hash: r.take(HASH_LENGTH) }
      : { kind: "inline", bytes: r.take(r.compact()) };
  }
  let starts: Int32Array | undefined;
  let lengths: Uint8Array | undefined;
  if (kind === "branch") {
    starts = new Int32Array(16).fill(-1);
    lengths = new Uint8Array(16);
    for (let i = 0; i < 16; i++) {
      if ((bitmap & (1 << i)) === 0) continue;
      const len = r.compact();
      if (len > HASH_LENGTH) throw new TrieError("BAD_NODE", "child reference longer than a hash");
      if (r.pos + len > data.length) throw new TrieError("BAD_NODE", "node encoding ends early");
      starts[i] = r.pos;
      lengths[i] = len;
      r.pos += len;
    }
  }
  if (r.pos !== data.length) throw new TrieError("BAD_NODE", "trailing bytes after node");
  return new DecodedNode(data, partial, value, starts, lengths);
}
