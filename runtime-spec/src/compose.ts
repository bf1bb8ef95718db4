import { system } from "@darwin/pallets";
import {
  type Ctx,
  DispatchError,
  type DispatchErrorValue,
  type DispatchInfo,
  type DispatchOutcome,
  type Externalities,
  H256,
  minBig,
  type Origin,
  type Pallet,
  Phase,
  type RuntimeCall,
  type Weight,
} from "@darwin/pallets/support";
import {
  type AnyCodec,
  type Codec,
  type EnumValue,
  encode,
  enumeration,
  ScaleError,
  struct,
  vec,
} from "@darwin/scale";

export interface PalletEntry {
  /** Stable pallet index: the first byte of its calls and events, the index of its errors. */
  readonly index: number;
  // biome-ignore lint/suspicious/noExplicitAny: pallets have heterogeneous genesis configs
  readonly pallet: Pallet<any>;
}

export interface ComposedRuntime {
  readonly entries: readonly PalletEntry[];
  readonly callCodec: Codec<RuntimeCall>;
  readonly eventCodec: Codec<EnumValue>;
  readonly errorCodec: Codec<EnumValue>;
  readonly eventRecordCodec: Codec<EventRecord>;
  readonly eventsCodec: Codec<EventRecord[]>;
  indexOf(pallet: string): number;
  // biome-ignore lint/suspicious/noExplicitAny: see PalletEntry
  pallet(name: string): Pallet<any>;
  dispatchInfo(call: RuntimeCall): DispatchInfo;
  createCtx(ext: Externalities): Ctx;
  dispatch(ctx: Ctx, origin: Origin, call: RuntimeCall): Promise<DispatchOutcome>;
}

export interface EventRecord {
  readonly phase: Phase;
  readonly event: { readonly type: string; readonly value: EnumValue };
  readonly topics: Uint8Array[];
}

/** construct_runtime!: outer call, event and error enums over the listed pallets. */
export function composeRuntime(entries: readonly PalletEntry[]): ComposedRuntime {
  const byName = new Map(entries.map((e) => [e.pallet.name, e]));
  const seen = new Set<number>();
  for (const e of entries) {
    if (seen.has(e.index)) throw new Error(`duplicate pallet index ${e.index}`);
    seen.add(e.index);
  }
  const outer = (pick: (p: Pallet) => AnyCodec | undefined, leaf: string) =>
    enumeration(
      Object.fromEntries(
        entries.flatMap((e) => {
          const c = pick(e.pallet);
          return c ? [[e.pallet.name, { index: e.index, value: c }]] : [];
        }),
      ),
      { path: ["darwin_runtime", leaf] },
    );
  const callCodec = outer((p) => p.callCodec, "RuntimeCall") as unknown as Codec<RuntimeCall>;
  const eventCodec = outer((p) => p.eventCodec, "RuntimeEvent");
  const errorCodec = outer((p) => p.errorCodec, "RuntimeError");
  const eventRecordCodec = struct<EventRecord>(
    { phase: Phase, event: eventCodec as unknown as Codec<EventRecord["event"]>, topics: vec(H256) },
    { path: ["frame_system", "EventRecord"] },
  );
  const recordWithParams: Codec<EventRecord> = {
    ...eventRecordCodec,
    info: {
      ...eventRecordCodec.info,
      params: [
        { name: "E", type: eventCodec },
        { name: "T", type: H256 },
      ],
    },
  };
  const eventsCodec = vec(recordWithParams);

  function callSpec(call: RuntimeCall) {
    const entry = byName.get(call.type);
    const spec = entry?.pallet.spec.calls?.[call.value.type];
    if (!entry || !spec) throw new DispatchError({ type: "CannotLookup" });
    return spec;
  }

  function dispatchInfo(call: RuntimeCall): DispatchInfo {
    const spec = callSpec(call);
    return {
      weight: spec.weight(call.value.value ?? {}),
      class: spec.class ?? { type: "Normal" },
      paysFee: spec.pays ?? { type: "Yes" },
    };
  }

  function resolveError(err: unknown): DispatchErrorValue {
    if (err instanceof DispatchError) {
      const e = err.error;
      if (e.type !== "ModuleByName") return e;
      const entry = byName.get(e.pallet);
      if (!entry) return { type: "Other" };
      const error = new Uint8Array(4);
      error[0] = entry.pallet.errorIndex(e.name);
      return { type: "Module", value: { index: entry.index, error } };
    }
    if (err instanceof ScaleError) return { type: "Corruption" };
    return { type: "Other" };
  }

  const runtime: ComposedRuntime = {
    entries,
    callCodec,
    eventCodec,
    errorCodec,
    eventRecordCodec: recordWithParams,
    eventsCodec,
    indexOf(name) {
      const e = byName.get(name);
      if (!e) throw new Error(`no pallet ${name}`);
      return e.index;
    },
    pallet(name) {
      const e = byName.get(name);
      if (!e) throw new Error(`no pallet ${name}`);
      return e.pallet;
    },
    dispatchInfo,
    createCtx(ext) {
      const ctx: Ctx = {
        ext,
        deposit(pallet, event, value, topics = []) {
          const bytes = encode(eventCodec, {
            type: pallet,
            value: value === undefined ? { type: event } : { type: event, value },
          });
          system.depositEventBytes(ext, bytes, topics);
        },
        dispatch: (origin, call) => runtime.dispatch(ctx, origin, call),
        callWeight: (call) => dispatchInfo(call).weight,
      };
      return ctx;
    },
    /** Runs a call in its own storage layer: its writes survive only if it succeeds. */
    async dispatch(ctx, origin, call) {
      ctx.ext.startTransaction();
      try {
        const spec = callSpec(call);
        const post = (await spec.dispatch(ctx, origin, call.value.value ?? {})) ?? {};
        ctx.ext.commitTransaction();
        return { ok: true, post };
      } catch (err) {
        ctx.ext.rollbackTransaction();
        return { ok: false, error: resolveError(err), post: {} };
      }
    },
  };
  return runtime;
}

export function actualWeight(info: DispatchInfo, post: { actualWeight?: Weight }): Weight {
  const a = post.actualWeight;
  if (!a) return info.weight;
  return {
    refTime: minBig(a.refTime, info.weight.refTime),
    proofSize: minBig(a.proofSize, info.weight.proofSize),
  };
}
