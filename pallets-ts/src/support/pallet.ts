import {
  type AnyCodec,
  type Codec,
  type EnumValue,
  type EnumVariantSpec,
  encode,
  enumeration,
} from "@darwin/scale";
import type { Externalities } from "./externalities.ts";
import type { StorageItem } from "./storage.ts";
import type { DispatchClass, DispatchErrorValue, Pays, Weight } from "./types.ts";

export type Origin =
  | { readonly kind: "signed"; readonly who: Uint8Array }
  | { readonly kind: "root" }
  | { readonly kind: "none" };

/** A call as the runtime sees it: `{ type: pallet, value: { type: call, value: args } }`. */
export type RuntimeCall = {
  readonly type: string;
  readonly value: { readonly type: string; readonly value?: unknown };
};

/** Dispatch results: an optional actual weight (refund), as FRAME's PostDispatchInfo. */
export interface PostDispatchInfo {
  readonly actualWeight?: Weight;
  readonly paysFee?: Pays;
}

/** The outcome of dispatching a call, nested or top-level. */
export type DispatchOutcome =
  | { readonly ok: true; readonly post: PostDispatchInfo }
  | { readonly ok: false; readonly error: DispatchErrorValue; readonly post: PostDispatchInfo };

/** What a running pallet can reach: storage, events, nested dispatch. Created by the runtime. */
export interface Ctx {
  readonly ext: Externalities;
  /** Deposits `pallet.event(value)` into System.Events at the current phase. */
  deposit(pallet: string, event: string, value?: unknown, topics?: readonly Uint8Array[]): void;
  /** Dispatches a call in its own transactional layer (Sudo, Batch, CallPermit). */
  dispatch(origin: Origin, call: RuntimeCall): Promise<DispatchOutcome>;
  /** Weight info of a call, for nested dispatch accounting. */
  callWeight(call: RuntimeCall): Weight;
}

/**
 * Thrown by a call to fail its dispatch. Module errors are named (`pallet`, `error`) and resolved to
 * `Module { index, error }` by the runtime, which knows pallet indices.
 */
export class DispatchError extends Error {
  readonly code = "DispatchError";
  readonly error:
    | DispatchErrorValue
    | { readonly type: "ModuleByName"; readonly pallet: string; readonly name: string };
  constructor(error: DispatchError["error"]) {
    super(error.type === "ModuleByName" ? `${error.pallet}.${error.name}` : error.type);
    this.name = "DispatchError";
    this.error = error;
  }

  static badOrigin(): DispatchError {
    return new DispatchError({ type: "BadOrigin" });
  }
  static token(kind: string): DispatchError {
    return new DispatchError({ type: "Token", value: { type: kind } });
  }
  static arithmetic(kind: "Underflow" | "Overflow" | "DivisionByZero"): DispatchError {
    return new DispatchError({ type: "Arithmetic", value: { type: kind } });
  }
}

export function ensureSigned(origin: Origin): Uint8Array {
  if (origin.kind !== "signed") throw DispatchError.badOrigin();
  return origin.who;
}

export function ensureRoot(origin: Origin): void {
  if (origin.kind !== "root") throw DispatchError.badOrigin();
}

export function ensureNone(origin: Origin): void {
  if (origin.kind !== "none") throw DispatchError.badOrigin();
}

export interface CallSpec<A> {
  /** Stable call index within the pallet. */
  readonly index: number;
  /** Named arguments, in order. */
  readonly args: { readonly [K in keyof A]: Codec<A[K]> };
  readonly typeNames?: Partial<Record<keyof A, string>>;
  readonly weight: (args: A) => Weight;
  readonly class?: DispatchClass;
  readonly pays?: Pays;
  readonly docs?: readonly string[];
  readonly dispatch: (
    ctx: Ctx,
    origin: Origin,
    args: A,
  ) => undefined | PostDispatchInfo | Promise<undefined | PostDispatchInfo>;
}

// biome-ignore lint/suspicious/noExplicitAny: calls of a pallet have heterogeneous argument types
export type AnyCallSpec = CallSpec<any>;

/** Declares a call with typed arguments. */
export function call<A extends object>(spec: CallSpec<A>): CallSpec<A> {
  return spec;
}

export interface Hooks {
  onInitialize?(ctx: Ctx, n: number): Weight | Promise<Weight>;
  onFinalize?(ctx: Ctx, n: number): void | Promise<void>;
  onIdle?(ctx: Ctx, n: number, remaining: Weight): Weight;
  /** Runs off chain after import; may read state; never writes consensus state. */
  offchainWorker?(ctx: Ctx, n: number): void | Promise<void>;
  /** Checks the pallet's configuration once when the runtime is built. */
  integrityTest?(): void;
}

export interface GenesisSpec<C> {
  readonly build: (ctx: Ctx, config: C) => void;
  /** The config used when a genesis preset does not mention the pallet. */
  readonly default: C;
}

/** Inherents: unsigned calls the block author puts in, checked by every importer. */
export interface InherentSpec {
  readonly identifier: string;
  /** Builds the inherent call from the inherent data, if the pallet has one this block. */
  create(
    data: ReadonlyMap<string, Uint8Array>,
  ): { readonly type: string; readonly value?: unknown } | undefined;
  isInherent(call: { readonly type: string }): boolean;
}

export type TransactionValidityError =
  | { readonly type: "Invalid"; readonly value: { readonly type: string; readonly value?: unknown } }
  | { readonly type: "Unknown"; readonly value: { readonly type: string; readonly value?: unknown } };

export interface ConstantSpec {
  readonly codec: AnyCodec;
  readonly value: unknown;
  readonly docs?: readonly string[];
}

export interface PalletSpec<C = unknown> {
  readonly name: string;
  /** Rust-like module path used for type paths in metadata, e.g. `["pallet_balances", "pallet"]`. */
  readonly modulePath: readonly string[];
  readonly storage?: readonly StorageItem[];
  readonly calls?: Readonly<Record<string, AnyCallSpec>>;
  readonly events?: Readonly<Record<string, EnumVariantSpec>>;
  readonly errors?: Readonly<Record<string, { readonly index: number; readonly docs?: readonly string[] }>>;
  readonly constants?: Readonly<Record<string, ConstantSpec>>;
  readonly hooks?: Hooks;
  readonly genesis?: GenesisSpec<C>;
  readonly inherent?: InherentSpec;
  /** Unsigned calls that are not inherents (none of ours yet) are refused unless this accepts them. */
  readonly docs?: readonly string[];
}

export interface Pallet<C = unknown> {
  readonly spec: PalletSpec<C>;
  readonly name: string;
  readonly callCodec: Codec<EnumValue> | undefined;
  readonly eventCodec: Codec<EnumValue> | undefined;
  readonly errorCodec: Codec<EnumValue> | undefined;
  readonly constants: readonly {
    readonly name: string;
    readonly codec: AnyCodec;
    readonly bytes: Uint8Array;
    readonly docs: readonly string[];
  }[];
  errorIndex(name: string): number;
}

/** Builds the codecs a pallet's declarations imply and binds its storage items to its name. */
export function definePallet<C>(spec: PalletSpec<C>): Pallet<C> {
  for (const item of spec.storage ?? []) item.bindPallet(spec.name);
  const path = (leaf: string) => [...spec.modulePath, leaf];
  const callCodec = spec.calls
    ? enumeration(
        Object.fromEntries(
          Object.entries(spec.calls).map(([name, c]) => [
            name,
            {
              index: c.index,
              fields: c.args as Record<string, AnyCodec>,
              ...(c.typeNames ? { typeNames: c.typeNames as Record<string, string> } : {}),
              ...(c.docs ? { docs: c.docs } : {}),
            },
          ]),
        ),
        { path: path("Call"), docs: ["Contains a variant per dispatchable extrinsic that this pallet has."] },
      )
    : undefined;
  const eventCodec = spec.events
    ? enumeration(spec.events, { path: path("Event"), docs: ["The `Event` enum of this pallet"] })
    : undefined;
  const errorCodec = spec.errors
    ? enumeration(
        Object.fromEntries(
          Object.entries(spec.errors).map(([name, e]) => [
            name,
            { index: e.index, ...(e.docs ? { docs: e.docs } : {}) },
          ]),
        ),
        { path: path("Error"), docs: ["The `Error` enum of this pallet."] },
      )
    : undefined;
  const constants = Object.entries(spec.constants ?? {}).map(([name, c]) => ({
    name,
    codec: c.codec,
    bytes: encode(c.codec, c.value),
    docs: c.docs ?? [],
  }));
  return {
    spec,
    name: spec.name,
    callCodec,
    eventCodec,
    errorCodec,
    constants,
    errorIndex(name: string): number {
      const e = spec.errors?.[name];
      if (!e) throw new Error(`${spec.name} has no error ${name}`);
      return e.index;
    },
  };
}

/** Fails the current dispatch with this pallet's named error. */
export function palletError(pallet: string, name: string): DispatchError {
  return new DispatchError({ type: "ModuleByName", pallet, name });
}
