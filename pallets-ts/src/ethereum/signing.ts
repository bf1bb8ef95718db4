// The digest a transaction's signature signs, read off its raw bytes. ethereumjs rebuilds the
// unsigned message from the decoded fields (RLP-encoding every bigint again) on every recovery;
// the raw bytes already hold those fields' canonical encodings (its decoder refuses any other), so
// the message is a slice of them under a new list header.
import { keccak256 } from "@darwin/crypto";
import { RLP } from "@ethereumjs/rlp";
import { bigIntToUnpaddedBytes } from "@ethereumjs/util";

interface Item {
  /** Offset of the item's first byte (its header). */
  readonly start: number;
  /** Offset just past the item. */
  readonly end: number;
}

/** Header length and payload length of the RLP item at `at`; undefined if it runs past `end`. */
function itemAt(bytes: Uint8Array, at: number, end: number): Item | undefined {
  if (at >= end) return undefined;
  const b = bytes[at] as number;
  let header = 1;
  let length: number;
  if (b < 0x80) length = 0;
  else if (b <= 0xb7) length = b - 0x80;
  else if (b < 0xc0 || (b > 0xf7 && b <= 0xff)) {
    const n = b < 0xc0 ? b - 0xb7 : b - 0xf7;
    if (n > 4 || at + 1 + n > end) return undefined;
    length = 0;
    for (let i = 1; i <= n; i++) length = length * 256 + (bytes[at + i] as number);
    header = 1 + n;
  } else length = b - 0xc0;
  const itemEnd = b < 0x80 ? at + 1 : at + header + length;
  return itemEnd <= end ? { start: at, end: itemEnd } : undefined;
}

/** The items of the list whose header is at `at`, and the list's own extent. */
function listItems(
  bytes: Uint8Array,
  at: number,
): { readonly items: Item[]; readonly list: Item } | undefined {
  const list = itemAt(bytes, at, bytes.length);
  if (!list || (bytes[at] as number) < 0xc0) return undefined;
  const first = bytes[at] as number;
  const payloadStart = at + (first <= 0xf7 ? 1 : 1 + (first - 0xf7));
  const items: Item[] = [];
  for (let p = payloadStart; p < list.end; ) {
    const item = itemAt(bytes, p, list.end);
    if (!item) return undefined;
    items.push(item);
    p = item.end;
  }
  return { items, list };
}

function listHeader(payloadLength: number): Uint8Array {
  if (payloadLength <= 55) return Uint8Array.of(0xc0 + payloadLength);
  const len: number[] = [];
  for (let n = payloadLength; n > 0; n = Math.floor(n / 256)) len.unshift(n % 256);
  return Uint8Array.of(0xf7 + len.length, ...len);
}

/** The canonical RLP of an unsigned integer (no leading zero bytes). */
const rlpUint = (value: bigint): Uint8Array => RLP.encode(bigIntToUnpaddedBytes(value));

/**
 * The message a signed transaction's signature signs: for typed transactions (EIP-2930, EIP-1559,
 * EIP-7702) `type || rlp(fields without yParity, r, s)`, for legacy EIP-155 ones
 * `rlp(six fields, chainId, 0, 0)`. Undefined for anything else (pre-EIP-155 legacy, blob
 * transactions, malformed bytes), which callers leave to ethereumjs.
 */
export function signingMessageFromRaw(raw: Uint8Array, chainId: bigint): Uint8Array | undefined {
  if (raw.length === 0) return undefined;
  const type = raw[0] as number;
  if (type === 1 || type === 2 || type === 4) {
    const parsed = listItems(raw, 1);
    if (!parsed || parsed.list.end !== raw.length || parsed.items.length < 4) return undefined;
    const { items } = parsed;
    // ethereumjs accepts a chain id with leading zeros and signs over its canonical re-encoding:
    // only canonical bytes may be sliced (the pallet refuses the others, see typedChainIdIsCanonical).
    if (!sameBytes(raw.subarray((items[0] as Item).start, (items[0] as Item).end), rlpUint(chainId)))
      return undefined;
    const from = (items[0] as Item).start;
    const to = (items[items.length - 3] as Item).start;
    const header = listHeader(to - from);
    const out = new Uint8Array(1 + header.length + (to - from));
    out[0] = type;
    out.set(header, 1);
    out.set(raw.subarray(from, to), 1 + header.length);
    return out;
  }
  if (type < 0xc0) return undefined;
  const parsed = listItems(raw, 0);
  if (!parsed || parsed.list.end !== raw.length || parsed.items.length !== 9) return undefined;
  const v = parsed.items[6] as Item;
  // v is 2 chainId + 35 or 36 for EIP-155; 27/28 (no chain id in the message) is not handled here.
  const vBytes = raw.subarray(v.start + ((raw[v.start] as number) < 0x80 ? 0 : 1), v.end);
  let vValue = 0n;
  for (const b of vBytes) vValue = (vValue << 8n) | BigInt(b);
  if (vValue !== 2n * chainId + 35n && vValue !== 2n * chainId + 36n) return undefined;
  const from = (parsed.items[0] as Item).start;
  const fields = raw.subarray(from, v.start);
  const chain = rlpUint(chainId);
  const payload = fields.length + chain.length + 2;
  const header = listHeader(payload);
  const out = new Uint8Array(header.length + payload);
  out.set(header, 0);
  out.set(fields, header.length);
  out.set(chain, header.length + fields.length);
  out[out.length - 2] = 0x80;
  out[out.length - 1] = 0x80;
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether a typed transaction's chain id is RLP-encoded canonically (no leading zero bytes) as
 * `chainId`. ethereumjs checks every other numeric field for leading zeros but not the chain id, and
 * signs over the canonical re-encoding; geth refuses such transactions, and so does Darwin: their
 * hash (of the bytes as sent) would name a transaction no canonical encoder produces. True for
 * legacy transactions (their chain id is folded into v, which ethereumjs checks).
 */
export function typedChainIdIsCanonical(raw: Uint8Array, chainId: bigint): boolean {
  const type = raw[0];
  if (type === undefined || type >= 0xc0) return true;
  // Only the list header and its first item are read, not the whole list.
  const list = itemAt(raw, 1, raw.length);
  const header = raw[1];
  if (!list || header === undefined || header < 0xc0) return false;
  const first = itemAt(raw, 1 + (header <= 0xf7 ? 1 : 1 + (header - 0xf7)), list.end);
  return first !== undefined && sameBytes(raw.subarray(first.start, first.end), rlpUint(chainId));
}

/** keccak256 of `signingMessageFromRaw`: the digest ecrecover takes. */
export function signingHashFromRaw(raw: Uint8Array, chainId: bigint): Uint8Array | undefined {
  const message = signingMessageFromRaw(raw, chainId);
  return message && keccak256(message);
}
