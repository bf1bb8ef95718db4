import type { AnyCodec, Field, Primitive, TypeDef, TypeInfo, Variant } from "./codec.ts";
import { encodeCompact, unwrapLazy } from "./codec.ts";
import type { Writer } from "./io.ts";

const PRIMITIVE_INDEX: Record<Primitive, number> = {
  bool: 0,
  char: 1,
  str: 2,
  u8: 3,
  u16: 4,
  u32: 5,
  u64: 6,
  u128: 7,
  u256: 8,
  i8: 9,
  i16: 10,
  i32: 11,
  i64: 12,
  i128: 13,
  i256: 14,
};

export interface PortableType {
  readonly id: number;
  readonly info: TypeInfo;
}

/**
 * scale-info's PortableRegistry: every codec reachable from the registered ones gets a dense id.
 * Identity decides sameness, so codec factories memoise (one `option(u32)` object for the process).
 */
export class TypeRegistry {
  private readonly ids = new Map<AnyCodec, number>();
  private readonly infos: TypeInfo[] = [];

  register(original: AnyCodec): number {
    const codec = unwrapLazy(original);
    const known = this.ids.get(codec);
    if (known !== undefined) return known;
    const id = this.infos.length;
    this.ids.set(codec, id);
    const info = codec.info;
    this.infos.push(info);
    for (const p of info.params ?? []) if (p.type) this.register(p.type);
    visitDef(info.def, (c) => this.register(c));
    return id;
  }

  idOf(codec: AnyCodec): number {
    const id = this.ids.get(unwrapLazy(codec));
    if (id === undefined) throw new Error("codec not registered");
    return id;
  }

  get types(): readonly PortableType[] {
    return this.infos.map((info, id) => ({ id, info }));
  }

  /** SCALE encoding of `PortableRegistry` (`Vec<PortableType>`). */
  encodeTo(w: Writer): void {
    encodeCompact(this.infos.length, w);
    this.infos.forEach((info, id) => {
      encodeCompact(id, w);
      encodeStrings(info.path ?? [], w);
      const params = info.params ?? [];
      encodeCompact(params.length, w);
      for (const p of params) {
        encodeString(p.name, w);
        if (p.type) {
          w.u8(1);
          encodeCompact(this.idOf(p.type), w);
        } else w.u8(0);
      }
      this.encodeDef(info.def, w);
      encodeStrings(info.docs ?? [], w);
    });
  }

  private encodeDef(def: TypeDef, w: Writer): void {
    switch (def.tag) {
      case "composite":
        w.u8(0);
        this.encodeFields(def.fields, w);
        return;
      case "variant":
        w.u8(1);
        encodeCompact(def.variants.length, w);
        for (const v of def.variants) this.encodeVariant(v, w);
        return;
      case "sequence":
        w.u8(2);
        encodeCompact(this.idOf(def.of), w);
        return;
      case "array":
        w.u8(3);
        w.u32(def.len);
        encodeCompact(this.idOf(def.of), w);
        return;
      case "tuple":
        w.u8(4);
        encodeCompact(def.of.length, w);
        for (const c of def.of) encodeCompact(this.idOf(c), w);
        return;
      case "primitive":
        w.u8(5);
        w.u8(PRIMITIVE_INDEX[def.prim]);
        return;
      case "compact":
        w.u8(6);
        encodeCompact(this.idOf(def.of), w);
        return;
    }
  }

  encodeFields(fields: readonly Field[], w: Writer): void {
    encodeCompact(fields.length, w);
    for (const f of fields) {
      encodeOptionString(f.name, w);
      encodeCompact(this.idOf(f.type), w);
      encodeOptionString(f.typeName, w);
      encodeStrings(f.docs ?? [], w);
    }
  }

  encodeVariant(v: Variant, w: Writer): void {
    encodeString(v.name, w);
    this.encodeFields(v.fields, w);
    w.u8(v.index);
    encodeStrings(v.docs ?? [], w);
  }
}

function visitDef(def: TypeDef, visit: (c: AnyCodec) => void): void {
  switch (def.tag) {
    case "composite":
      for (const f of def.fields) visit(f.type);
      return;
    case "variant":
      for (const v of def.variants) for (const f of v.fields) visit(f.type);
      return;
    case "sequence":
    case "array":
    case "compact":
      visit(def.of);
      return;
    case "tuple":
      for (const c of def.of) visit(c);
      return;
    case "primitive":
      return;
  }
}

const utf8 = new TextEncoder();

export function encodeString(s: string, w: Writer): void {
  const b = utf8.encode(s);
  encodeCompact(b.length, w);
  w.bytes(b);
}

export function encodeStrings(list: readonly string[], w: Writer): void {
  encodeCompact(list.length, w);
  for (const s of list) encodeString(s, w);
}

export function encodeOptionString(s: string | undefined, w: Writer): void {
  if (s === undefined) w.u8(0);
  else {
    w.u8(1);
    encodeString(s, w);
  }
}
