/** Thrown on malformed or truncated input; `code` says which rule was broken. */
export class ScaleError extends Error {
  readonly code: "Truncated" | "Invalid" | "TrailingBytes" | "Overflow";
  constructor(code: ScaleError["code"], message: string) {
    super(message);
    this.name = "ScaleError";
    this.code = code;
  }
}

export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initial = 64) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.length++] = v;
  }
  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
  }
  u64(v: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, v, true);
    this.length += 8;
  }
  /** Little-endian unsigned integer of `bytes` bytes. */
  uint(v: bigint, bytes: number): void {
    this.reserve(bytes);
    let x = v;
    let i = 0;
    // Whole 64-bit words first (u128 balances are two of them): one BigInt step per word, not per byte.
    for (; i + 8 <= bytes; i += 8) {
      this.view.setBigUint64(this.length, BigInt.asUintN(64, x), true);
      this.length += 8;
      x >>= 64n;
    }
    for (; i < bytes; i++) {
      this.buf[this.length++] = Number(x & 0xffn);
      x >>= 8n;
    }
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  get capacity(): number {
    return this.buf.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export class Reader {
  readonly data: Uint8Array;
  offset: number;
  private readonly view: DataView;

  constructor(data: Uint8Array, offset = 0) {
    this.data = data;
    this.offset = offset;
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get remaining(): number {
    return this.data.length - this.offset;
  }

  private need(n: number): void {
    if (this.offset + n > this.data.length) {
      throw new ScaleError("Truncated", `need ${n} bytes at offset ${this.offset}, have ${this.remaining}`);
    }
  }

  u8(): number {
    this.need(1);
    return this.data[this.offset++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    return v;
  }
  uint(bytes: number): bigint {
    this.need(bytes);
    let v = 0n;
    let i = bytes;
    for (; i % 8 !== 0; i--) v = (v << 8n) | BigInt(this.data[this.offset + i - 1]!);
    for (; i > 0; i -= 8) v = (v << 64n) | this.view.getBigUint64(this.offset + i - 8, true);
    this.offset += bytes;
    return v;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.data.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}
