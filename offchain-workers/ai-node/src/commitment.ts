// The inference commitment: a SHA-256 digest binding the model file that ran, the input and the
// output. Mixer challenges, proofs and pipeline stages refer to inferences by it. Byte encoding:
//
//   "darwin-inference-commitment/v1" 0x00
//   u32be(len(cid)) cid                      binary CIDv1 of the ONNX file that ran
//   u32be(n) tensor * n                      inputs, sorted by name (UTF-16 code unit order)
//   u32be(m) tensor * m                      outputs, sorted by name
//   tensor = u32be(len(name)) name(utf-8) u8(dtype: 1 float32, 7 int64, ONNX's codes)
//            u32be(rank) u64be(dim) * rank data   (float32 IEEE-754 / int64 two's complement, little-endian)
//
// The commitment is `0x` + hex(sha256(encoding)).
import { createHash, hash } from "node:crypto";
import { parseCid } from "@darwin/content-id";
import type { NamedTensors, Tensor } from "./tensor.ts";

export const COMMITMENT_DOMAIN = "darwin-inference-commitment/v1";
const DTYPE_CODE = { float32: 1, int64: 7 } as const;

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const cidBytes = new Map<string, Uint8Array>();

function cidBytesOf(modelCid: string): Uint8Array {
  let bytes = cidBytes.get(modelCid);
  if (!bytes) {
    bytes = parseCid(modelCid).bytes;
    if (cidBytes.size > 1024) cidBytes.clear();
    cidBytes.set(modelCid, bytes);
  }
  return bytes;
}

/** The tensor's values as little-endian bytes: a view when the machine is little-endian, a copy otherwise. */
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

const utf8 = new TextEncoder();
const nameBytesCache = new Map<string, Uint8Array>();

function nameBytesOf(name: string): Uint8Array {
  let bytes = nameBytesCache.get(name);
  if (!bytes) {
    bytes = utf8.encode(name);
    if (nameBytesCache.size > 1024) nameBytesCache.clear();
    nameBytesCache.set(name, bytes);
  }
  return bytes;
}

const DOMAIN_BYTES = new Uint8Array([...utf8.encode(COMMITMENT_DOMAIN), 0]);

/**
 * Walks the preimage: `frame` receives the framing bytes (domain, CID, counts, names, dtypes, shapes)
 * and `values` each tensor's values, in preimage order. Both callbacks see views, never copies.
 */
function walkPreimage(
  modelCid: string,
  inputs: NamedTensors,
  outputs: NamedTensors,
  frame: (bytes: Uint8Array) => void,
  values: (bytes: Uint8Array) => void,
): void {
  const cid = cidBytesOf(modelCid);
  header.set(DOMAIN_BYTES, 0);
  headerView.setUint32(DOMAIN_BYTES.length, cid.length, false);
  frame(header.subarray(0, DOMAIN_BYTES.length + 4));
  frame(cid);
  walkGroup(inputs, frame, values);
  walkGroup(outputs, frame, values);
}

// Framing scratch: hashing is synchronous, so one buffer serves every call without allocating.
const header = new Uint8Array(DOMAIN_BYTES.length + 4);
const headerView = new DataView(header.buffer);
let tensorFrame = new Uint8Array(256);
let tensorFrameView = new DataView(tensorFrame.buffer);
const count = new Uint8Array(4);
const countView = new DataView(count.buffer);

function walkGroup(
  group: NamedTensors,
  frame: (bytes: Uint8Array) => void,
  values: (bytes: Uint8Array) => void,
): void {
  const names = Object.keys(group);
  // Almost every model has one or two tensors a side: skip the sort's allocations for those.
  if (names.length > 1) names.sort();
  countView.setUint32(0, names.length, false);
  frame(count);
  for (const name of names) {
    const tensor = group[name] as Tensor;
    const nameBytes = nameBytesOf(name);
    const size = 4 + nameBytes.length + 5 + 8 * tensor.shape.length;
    if (size > tensorFrame.length) {
      tensorFrame = new Uint8Array(size * 2);
      tensorFrameView = new DataView(tensorFrame.buffer);
    }
    const view = tensorFrameView;
    view.setUint32(0, nameBytes.length, false);
    tensorFrame.set(nameBytes, 4);
    let at = 4 + nameBytes.length;
    view.setUint8(at, DTYPE_CODE[tensor.dtype]);
    view.setUint32(at + 1, tensor.shape.length, false);
    at += 5;
    for (const dim of tensor.shape) {
      view.setUint32(at, Math.floor(dim / 2 ** 32), false);
      view.setUint32(at + 4, dim >>> 0, false);
      at += 8;
    }
    frame(tensorFrame.subarray(0, at));
    values(dataBytes(tensor));
  }
}

/** The exact bytes that are hashed; exported so that other implementations can test against it. */
export function commitmentPreimage(
  modelCid: string,
  inputs: NamedTensors,
  outputs: NamedTensors,
): Uint8Array {
  const parts: Uint8Array[] = [];
  const keep = (bytes: Uint8Array) => parts.push(bytes.slice());
  walkPreimage(modelCid, inputs, outputs, keep, keep);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// Below this many bytes of tensor values, the preimage is written into one reused buffer and hashed in
// one shot (`crypto.hash`), which beats a streaming Hash object (~0.5 vs ~1.2 us for a 49-pixel
// digit); above it the copy costs more than the Hash object, so large tensors are streamed from their
// own memory instead.
const ONE_SHOT_MAX = 8192;
let oneShot = new Uint8Array(ONE_SHOT_MAX + 1024);
let oneShotView = new DataView(oneShot.buffer);

/** `domain 0x00 u32be(len(cid)) cid` for each model CID: the preimage's fixed start. */
const prefixes = new Map<string, Uint8Array>();
function prefixOf(modelCid: string): Uint8Array {
  let prefix = prefixes.get(modelCid);
  if (!prefix) {
    const cid = cidBytesOf(modelCid);
    prefix = new Uint8Array(DOMAIN_BYTES.length + 4 + cid.length);
    prefix.set(DOMAIN_BYTES, 0);
    new DataView(prefix.buffer).setUint32(DOMAIN_BYTES.length, cid.length, false);
    prefix.set(cid, DOMAIN_BYTES.length + 4);
    if (prefixes.size > 1024) prefixes.clear();
    prefixes.set(modelCid, prefix);
  }
  return prefix;
}

// One pass over a group gives both its values' bytes and a bound on its framing bytes (a name's UTF-8
// takes at most 3 bytes per UTF-16 unit), kept in these two so the pass allocates nothing.
let sizedValues = 0;
let sizedFraming = 0;
function size(group: NamedTensors): void {
  sizedFraming += 4;
  for (const name in group) {
    const t = group[name] as Tensor;
    sizedValues += t.data.byteLength;
    sizedFraming += 9 + 3 * name.length + 8 * t.shape.length;
  }
}

/** Writes one group's framing and values into `oneShot` from `at`; returns where it ended. */
function writeGroup(group: NamedTensors, at: number): number {
  const names = Object.keys(group);
  if (names.length > 1) names.sort();
  const buf = oneShot;
  const view = oneShotView;
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
    for (const dim of t.shape) {
      view.setUint32(at, Math.floor(dim / 2 ** 32), false);
      view.setUint32(at + 4, dim >>> 0, false);
      at += 8;
    }
    const values = dataBytes(t);
    buf.set(values, at);
    at += values.length;
  }
  return at;
}

export function inferenceCommitment(modelCid: string, inputs: NamedTensors, outputs: NamedTensors): string {
  sizedValues = 0;
  sizedFraming = 0;
  size(inputs);
  size(outputs);
  if (sizedValues <= ONE_SHOT_MAX) {
    const prefix = prefixOf(modelCid);
    const bound = prefix.length + sizedFraming + sizedValues;
    if (bound > oneShot.length) {
      oneShot = new Uint8Array(bound);
      oneShotView = new DataView(oneShot.buffer);
    }
    oneShot.set(prefix, 0);
    const end = writeGroup(outputs, writeGroup(inputs, prefix.length));
    return `0x${hash("sha256", oneShot.subarray(0, end), "hex")}`;
  }
  const h = createHash("sha256");
  const update = (bytes: Uint8Array): void => {
    h.update(bytes);
  };
  walkPreimage(modelCid, inputs, outputs, update, update);
  return `0x${h.digest("hex")}`;
}
