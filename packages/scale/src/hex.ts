const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function toHex(bytes: Uint8Array): `0x${string}` {
  // Node's native encoder wins beyond a few dozen bytes; the table is cheaper for keys and hashes.
  if (bytes.length > 48)
    return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
  let s = "0x";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s as `0x${string}`;
}

export class HexError extends Error {
  readonly code = "InvalidHex";
}

export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(hex)) {
    throw new HexError(
      `invalid hex string ${typeof hex === "string" ? JSON.stringify(hex.slice(0, 20)) : typeof hex}`,
    );
  }
  const out = new Uint8Array((hex.length - 2) / 2);
  // Validated above, so the native decoder (which stops at the first non-hex pair) reads it all.
  if (out.length > 0) Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(hex.slice(2), "hex");
  return out;
}

export function isHex(v: unknown): v is `0x${string}` {
  return typeof v === "string" && /^0x([0-9a-fA-F]{2})*$/.test(v);
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic byte order, as storage keys sort. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}
