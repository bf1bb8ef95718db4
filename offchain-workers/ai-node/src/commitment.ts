// The inference commitment: a digest binding the model file that ran, the input and the output.
// Mixer challenges, proofs and pipeline stages refer to inferences by it. Byte encoding:
//
//   "darwin-inference-commitment/v2" 0x00
//   u32be(len(cid)) cid                      binary CIDv1 of the ONNX file that ran
//   u32be(n) tensor * n                      inputs, sorted by name (UTF-16 code unit order)
//   u32be(m) tensor * m                      outputs, sorted by name
//   tensor = u32be(len(name)) name(utf-8) u8(dtype: 1 float32, 7 int64, ONNX's codes)
//            u32be(rank) u64be(dim) * rank values
//   values = data                  when data is shorter than 4096 bytes
//          | blake3(data)          (32 bytes) otherwise
//   data   = the elements, float32 IEEE-754 / int64 two's complement, little-endian
//
// The commitment is `0x` + hex(sha256(encoding)). Whether a tensor's values are inline or a digest
// follows from its dtype and shape, which precede them, so the encoding is unambiguous; tensors whose
// data disagree with their dtype and shape, and names that are not well-formed Unicode, are refused
// (MalformedInput) rather than encoded.
//
// Why two hashes (v2; v1 was the same fields flat under SHA-256): the commitment hashes every input
// and output byte on the answer's path, and for models whose tensors are large next to their run
// time (the LM's 32 KB of logits, a 256-row batch's 60 KB) SHA-256 (~1.8 GB/s here, SHA-NI) was most
// of the engine's cost. Native BLAKE3 hashes 32 KB in ~4.7 us against SHA-256's ~17 us, but only
// from a fresh hasher: after even one 1 KB chunk of framing, its SIMD paths can no longer take the
// data 16 chunks at a time and the same 32 KB take ~8.7 us; hence each large tensor gets its own
// BLAKE3 digest. What is left (framing, small tensors, digests: a digit's whole preimage is ~380
// bytes) is hashed by SHA-256 in one call of Node's own `crypto.hash`: 0.46 us at 256 bytes against
// 0.72 us for BLAKE3 through the addon (three N-API calls), which is most of a small model's
// commitment. Below ~2.5 KB SHA-256 is the faster of the two here, above it BLAKE3.
// Where the native addon has no build, hash-wasm's BLAKE3 gives the same digests, slower.
import { hash } from "node:crypto";
import { createRequire } from "node:module";
import { parseCid } from "@darwin/content-id";
import { createBLAKE3 } from "hash-wasm";
import { MalformedInput } from "./errors.ts";
import type { NamedTensors, Tensor } from "./tensor.ts";

export const COMMITMENT_DOMAIN = "darwin-inference-commitment/v2";

/** The BLAKE3 surface the commitment needs: one reusable hasher (hashing is synchronous). */
interface Blake3 {
  readonly kind: "native" | "wasm";
  reset(): void;
  update(bytes: Uint8Array): void;
  hex(): string;
  /** Writes the 32-byte digest into `target` at `at`. */
  digestInto(target: Uint8Array, at: number): void;
}

interface NativeBlake3Hasher {
  reset(): void;
  update(input: Uint8Array): unknown;
  digest(format: "hex"): string;
  digestBuffer(): Uint8Array;
}

const HEX_VALUE = new Uint8Array(128);
for (let i = 0; i < 16; i++) HEX_VALUE["0123456789abcdef".charCodeAt(i)] = i;

function hexInto(hex: string, target: Uint8Array, at: number): void {
  for (let i = 0; i < hex.length; i += 2)
    target[at + i / 2] =
      ((HEX_VALUE[hex.charCodeAt(i)] as number) << 4) | (HEX_VALUE[hex.charCodeAt(i + 1)] as number);
}

function nativeBlake3(): Blake3 | undefined {
  try {
    const mod = createRequire(import.meta.url)("@napi-rs/blake-hash") as {
      Blake3Hasher: new () => NativeBlake3Hasher;
    };
    const h = new mod.Blake3Hasher();
    return {
      kind: "native",
      reset: () => h.reset(),
      update: (bytes) => {
        h.update(bytes);
      },
      hex: () => h.digest("hex"),
      // The addon's digestBuffer allocates a Buffer through N-API (~1.4 us); its hex string costs
      // ~0.3 us and decodes in a fraction of that.
      digestInto: (target, at) => hexInto(h.digest("hex"), target, at),
    };
  } catch {
    return undefined;
  }
}

async function wasmBlake3(): Promise<Blake3> {
  const h = await createBLAKE3();
  return {
    kind: "wasm",
    reset: () => {
      h.init();
    },
    update: (bytes) => {
      h.update(bytes);
    },
    hex: () => h.digest("hex"),
    digestInto: (target, at) => target.set(h.digest("binary"), at),
  };
}

const newHasher = async (): Promise<Blake3> =>
  process.env.DARWIN_COMMITMENT_HASHER === "wasm"
    ? await wasmBlake3()
    : (nativeBlake3() ?? (await wasmBlake3()));
const hasher = await newHasher();

/** Which BLAKE3 computes commitments in this process (both give the same digests). */
export const commitmentHasher: "native" | "wasm" = hasher.kind;

/** BLAKE3 of `parts` in order, as `0x`-hex, with the hasher the commitment uses. */
export function blake3Hex(...parts: readonly Uint8Array[]): string {
  hasher.reset();
  for (const part of parts) hasher.update(part);
  return `0x${hasher.hex()}`;
}

const DTYPE_CODE = { float32: 1, int64: 7 } as const;

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Tensors with at least this many bytes of data are committed by their own BLAKE3 digest. */
export const DIGESTED_VALUES_BYTES = 4096;

/** The tensor's data as little-endian bytes: a view when the machine is little-endian, a copy otherwise. */
function dataBytes(t: Tensor): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const width = t.dtype === "float32" ? 4 : 8;
  const data = new Uint8Array(t.data.length * width);
  const dv = new DataView(data.buffer);
  if (t.dtype === "float32")
    for (let i = 0; i < t.data.length; i++) dv.setFloat32(i * 4, t.data[i] as number, true);
  else for (let i = 0; i < t.data.length; i++) dv.setBigInt64(i * 8, t.data[i] as bigint, true);
  return data;
}

/** Writes a tensor's `values` field at `at`: its data inline, or the data's digest from a fresh hasher. */
function writeValues(t: Tensor, at: number): number {
  const data = dataBytes(t);
  if (data.length < DIGESTED_VALUES_BYTES) {
    scratch.set(data, at);
    return at + data.length;
  }
  hasher.reset();
  hasher.update(data);
  hasher.digestInto(scratch, at);
  return at + 32;
}

const utf8 = new TextEncoder();
const nameBytesCache = new Map<string, Uint8Array>();

function nameBytesOf(name: string): Uint8Array {
  let bytes = nameBytesCache.get(name);
  if (!bytes) {
    // UTF-8 has no encoding for a lone surrogate (TextEncoder writes U+FFFD for it), so two such
    // names would share their bytes: refuse them rather than commit to either.
    if (!name.isWellFormed())
      throw new MalformedInput({ message: `tensor name ${JSON.stringify(name)} is not well-formed Unicode` });
    bytes = utf8.encode(name);
    if (nameBytesCache.size > 1024) nameBytesCache.clear();
    nameBytesCache.set(name, bytes);
  }
  return bytes;
}

const DOMAIN_BYTES = new Uint8Array([...utf8.encode(COMMITMENT_DOMAIN), 0]);

/** `domain 0x00 u32be(len(cid)) cid` for each model CID: the preimage's fixed start. */
const prefixes = new Map<string, Uint8Array>();
function prefixOf(modelCid: string): Uint8Array {
  let prefix = prefixes.get(modelCid);
  if (!prefix) {
    const cid = parseCid(modelCid).bytes;
    prefix = new Uint8Array(DOMAIN_BYTES.length + 4 + cid.length);
    prefix.set(DOMAIN_BYTES, 0);
    new DataView(prefix.buffer).setUint32(DOMAIN_BYTES.length, cid.length, false);
    prefix.set(cid, DOMAIN_BYTES.length + 4);
    if (prefixes.size > 1024) prefixes.clear();
    prefixes.set(modelCid, prefix);
  }
  return prefix;
}

// The preimage is written into one reused buffer and hashed by one `crypto.hash` call: large data are
// already a 32-byte digest by then, so what is copied is framing and small tensors (a digit's
// preimage is ~380 bytes). Hashing is synchronous, so one buffer serves every call.
let scratch = new Uint8Array(16_384);
let scratchView = new DataView(scratch.buffer);

/** An upper bound on a group's encoded bytes (a name's UTF-8 takes at most 3 bytes per UTF-16 unit). */
function boundOf(group: NamedTensors): number {
  let bytes = 4;
  for (const name in group) {
    const t = group[name] as Tensor;
    bytes +=
      9 + 3 * name.length + 8 * t.shape.length + Math.min(t.data.byteLength, 32 + DIGESTED_VALUES_BYTES);
  }
  return bytes;
}

function malformed(name: string, what: string): never {
  throw new MalformedInput({ message: `commitment over tensor ${JSON.stringify(name)}: ${what}` });
}

/** Writes one group's encoding into `scratch` from `at`; returns where it ended. */
function writeGroup(group: NamedTensors, at: number): number {
  const names = Object.keys(group);
  // Almost every model has one or two tensors a side: skip the sort for one.
  if (names.length > 1) names.sort();
  const buf = scratch;
  const view = scratchView;
  view.setUint32(at, names.length, false);
  at += 4;
  for (const name of names) {
    const t = group[name] as Tensor;
    const nameBytes = nameBytesOf(name);
    view.setUint32(at, nameBytes.length, false);
    buf.set(nameBytes, at + 4);
    at += 4 + nameBytes.length;
    buf[at] = DTYPE_CODE[t.dtype];
    view.setUint32(at + 1, t.shape.length, false);
    at += 5;
    let elements = 1;
    for (const dim of t.shape) {
      if (!Number.isSafeInteger(dim) || dim < 0) malformed(name, `dimension ${dim}`);
      view.setUint32(at, Math.floor(dim / 2 ** 32), false);
      view.setUint32(at + 4, dim >>> 0, false);
      elements *= dim;
      at += 8;
    }
    // Whether the values are inline or a digest, and how long they are, is read off the dtype and
    // shape: data that disagree with them would make two different tensors encode alike (a
    // shape-[8] float32 tensor holding 4096 bytes would be committed as one holding their digest).
    if (t.data.length !== elements)
      malformed(name, `${t.data.length} values for shape [${t.shape.join(", ")}]`);
    if (
      !(t.dtype === "float32"
        ? t.data instanceof Float32Array
        : t.dtype === "int64" && t.data instanceof BigInt64Array)
    )
      malformed(name, `dtype ${t.dtype} with ${t.data.constructor.name} data`);
    at = writeValues(t, at);
  }
  return at;
}

/** Writes the whole preimage into `scratch`; returns its length. */
function writePreimage(modelCid: string, inputs: NamedTensors, outputs: NamedTensors): number {
  const prefix = prefixOf(modelCid);
  const bound = prefix.length + boundOf(inputs) + boundOf(outputs);
  if (bound > scratch.length) {
    scratch = new Uint8Array(bound * 2);
    scratchView = new DataView(scratch.buffer);
  }
  scratch.set(prefix, 0);
  return writeGroup(outputs, writeGroup(inputs, prefix.length));
}

/** The exact bytes that are hashed; exported so that other implementations can test against it. */
export function commitmentPreimage(
  modelCid: string,
  inputs: NamedTensors,
  outputs: NamedTensors,
): Uint8Array {
  return scratch.slice(0, writePreimage(modelCid, inputs, outputs));
}

export function inferenceCommitment(modelCid: string, inputs: NamedTensors, outputs: NamedTensors): string {
  return `0x${hash("sha256", scratch.subarray(0, writePreimage(modelCid, inputs, outputs)), "hex")}`;
}
