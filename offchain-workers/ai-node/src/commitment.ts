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
import { createHash } from "node:crypto";
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
 * The preimage as a few segments: all framing goes into one buffer (sliced between tensors) and the
 * tensor values are hashed straight from their own memory, so nothing large is copied.
 */
function preimageParts(modelCid: string, inputs: NamedTensors, outputs: NamedTensors): Uint8Array[] {
  const cid = cidBytesOf(modelCid);
  const groups = [inputs, outputs].map((group) =>
    Object.keys(group)
      .sort()
      .map((name) => ({ name: nameBytesOf(name), tensor: group[name] as Tensor })),
  );
  let size = DOMAIN_BYTES.length + 4 + cid.length;
  for (const group of groups) {
    size += 4;
    for (const { name, tensor } of group) size += 4 + name.length + 1 + 4 + 8 * tensor.shape.length;
  }
  const frame = new Uint8Array(size);
  const view = new DataView(frame.buffer);
  const parts: Uint8Array[] = [];
  frame.set(DOMAIN_BYTES, 0);
  let at = DOMAIN_BYTES.length;
  view.setUint32(at, cid.length, false);
  frame.set(cid, at + 4);
  at += 4 + cid.length;
  let segment = 0;
  for (const group of groups) {
    view.setUint32(at, group.length, false);
    at += 4;
    for (const { name, tensor } of group) {
      view.setUint32(at, name.length, false);
      frame.set(name, at + 4);
      at += 4 + name.length;
      view.setUint8(at, DTYPE_CODE[tensor.dtype]);
      view.setUint32(at + 1, tensor.shape.length, false);
      at += 5;
      for (const dim of tensor.shape) {
        view.setUint32(at, Math.floor(dim / 2 ** 32), false);
        view.setUint32(at + 4, dim >>> 0, false);
        at += 8;
      }
      parts.push(frame.subarray(segment, at), dataBytes(tensor));
      segment = at;
    }
  }
  if (at > segment) parts.push(frame.subarray(segment, at));
  return parts;
}

/** The exact bytes that are hashed; exported so that other implementations can test against it. */
export function commitmentPreimage(
  modelCid: string,
  inputs: NamedTensors,
  outputs: NamedTensors,
): Uint8Array {
  const parts = preimageParts(modelCid, inputs, outputs);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function inferenceCommitment(modelCid: string, inputs: NamedTensors, outputs: NamedTensors): string {
  const hash = createHash("sha256");
  for (const part of preimageParts(modelCid, inputs, outputs)) hash.update(part);
  return `0x${hash.digest("hex")}`;
}
