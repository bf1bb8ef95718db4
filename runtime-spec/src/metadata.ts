import { AccountId20, EthereumSignature, HASHER_INDEX, type StorageEntryMeta } from "@darwin/pallets/support";
import {
  type AnyCodec,
  encodeCompact,
  encodeString,
  encodeStrings,
  struct,
  TypeRegistry,
  Writer,
} from "@darwin/scale";
import type { RuntimeApiDef } from "./apis.ts";
import type { ComposedRuntime } from "./compose.ts";
import { ExtraCodec, SIGNED_EXTENSIONS, uncheckedExtrinsicType } from "./extrinsic.ts";

const MAGIC = 0x6174656d; // "meta"

const RuntimeType: AnyCodec = struct({}, { path: ["darwin_runtime", "Runtime"] });

/**
 * Builds RuntimeMetadataPrefixed (V14 or V15) from the pallet declarations, the extrinsic format and
 * the runtime API table: nothing here is written by hand.
 */
export function buildMetadata(
  runtime: ComposedRuntime,
  apis: readonly RuntimeApiDef[],
  version: 14 | 15,
): Uint8Array {
  const reg = new TypeRegistry();
  const uxt = uncheckedExtrinsicType(runtime.callCodec);
  const uxtId = reg.register(uxt);
  const runtimeId = reg.register(RuntimeType);
  const callId = reg.register(runtime.callCodec);
  const eventId = reg.register(runtime.eventCodec);
  const errorId = reg.register(runtime.errorCodec);
  const addressId = reg.register(AccountId20);
  const signatureId = reg.register(EthereumSignature);
  const extraId = reg.register(ExtraCodec);
  const exts = SIGNED_EXTENSIONS.map((e) => ({
    identifier: e.identifier,
    ty: reg.register(e.extra),
    add: reg.register(e.additional),
  }));

  // Pallet sections reference type ids; register everything first, then encode the registry.
  const pallets = runtime.entries.map(({ index, pallet }) => {
    const storage = (pallet.spec.storage ?? []).map((item) => {
      const m = item.meta;
      if (m.kind.tag === "plain") reg.register(m.kind.value);
      else {
        reg.register(m.kind.key);
        reg.register(m.kind.value);
      }
      return m;
    });
    return {
      name: pallet.name,
      index,
      storage,
      calls: pallet.callCodec ? reg.register(pallet.callCodec) : undefined,
      event: pallet.eventCodec ? reg.register(pallet.eventCodec) : undefined,
      error: pallet.errorCodec ? reg.register(pallet.errorCodec) : undefined,
      constants: pallet.constants.map((c) => ({ ...c, ty: reg.register(c.codec) })),
      docs: pallet.spec.docs ?? [],
    };
  });
  const apiDefs = apis.map((api) => ({
    ...api,
    methods: api.methods.map((m) => ({
      ...m,
      inputIds: m.inputs.map((i) => ({ name: i.name, ty: reg.register(i.codec) })),
      outputId: reg.register(m.output),
    })),
  }));

  const w = new Writer(256 * 1024);
  w.u32(MAGIC);
  w.u8(version);
  reg.encodeTo(w);
  encodeCompact(pallets.length, w);
  for (const p of pallets) {
    encodeString(p.name, w);
    if (p.storage.length === 0) w.u8(0);
    else {
      w.u8(1);
      encodeString(p.name, w);
      encodeCompact(p.storage.length, w);
      for (const m of p.storage) encodeStorageEntry(m, reg, w);
    }
    encodeOptionId(p.calls, w);
    encodeOptionId(p.event, w);
    encodeCompact(p.constants.length, w);
    for (const c of p.constants) {
      encodeString(c.name, w);
      encodeCompact(c.ty, w);
      encodeCompact(c.bytes.length, w);
      w.bytes(c.bytes);
      encodeStrings(c.docs, w);
    }
    encodeOptionId(p.error, w);
    w.u8(p.index);
    if (version === 15) encodeStrings(p.docs, w);
  }
  if (version === 14) {
    encodeCompact(uxtId, w);
    w.u8(4);
    encodeSignedExtensions(exts, w);
    encodeCompact(runtimeId, w);
  } else {
    w.u8(4);
    encodeCompact(addressId, w);
    encodeCompact(callId, w);
    encodeCompact(signatureId, w);
    encodeCompact(extraId, w);
    encodeSignedExtensions(exts, w);
    encodeCompact(runtimeId, w);
    encodeCompact(apiDefs.length, w);
    for (const api of apiDefs) {
      encodeString(api.name, w);
      encodeCompact(api.methods.length, w);
      for (const m of api.methods) {
        encodeString(m.name, w);
        encodeCompact(m.inputIds.length, w);
        for (const i of m.inputIds) {
          encodeString(i.name, w);
          encodeCompact(i.ty, w);
        }
        encodeCompact(m.outputId, w);
        encodeStrings(m.docs ?? [], w);
      }
      encodeStrings(api.docs ?? [], w);
    }
    encodeCompact(callId, w);
    encodeCompact(eventId, w);
    encodeCompact(errorId, w);
    encodeCompact(0, w); // custom metadata: empty map
  }
  return w.finish();
}

/** `Vec<SignedExtensionMetadata>`: identifier, extra type, additional-signed type (V14 and V15 alike). */
function encodeSignedExtensions(
  exts: readonly { identifier: string; ty: number; add: number }[],
  w: Writer,
): void {
  encodeCompact(exts.length, w);
  for (const e of exts) {
    encodeString(e.identifier, w);
    encodeCompact(e.ty, w);
    encodeCompact(e.add, w);
  }
}

function encodeOptionId(id: number | undefined, w: Writer): void {
  if (id === undefined) w.u8(0);
  else {
    w.u8(1);
    encodeCompact(id, w);
  }
}

function encodeStorageEntry(m: StorageEntryMeta, reg: TypeRegistry, w: Writer): void {
  encodeString(m.name, w);
  w.u8(m.modifier === "Optional" ? 0 : 1);
  if (m.kind.tag === "plain") {
    w.u8(0);
    encodeCompact(reg.idOf(m.kind.value), w);
  } else {
    w.u8(1);
    encodeCompact(m.kind.hashers.length, w);
    for (const h of m.kind.hashers) w.u8(HASHER_INDEX[h]);
    encodeCompact(reg.idOf(m.kind.key), w);
    encodeCompact(reg.idOf(m.kind.value), w);
  }
  encodeCompact(m.defaultBytes.length, w);
  w.bytes(m.defaultBytes);
  encodeStrings(m.docs, w);
}
