import type {
  RpcAliasMethod,
  RpcCallMethod,
  RpcMethod,
  RpcMethodsPolicy,
  RpcMethodTable,
  RpcSubscriptionMethod,
} from "./types.ts";

export class RpcTableError extends Error {
  readonly code = "RPC_TABLE_INVALID";
  constructor(message: string) {
    super(message);
    this.name = "RpcTableError";
  }
}

/** Merges namespaces (Substrate, Ethereum, dev engine, ...); a name defined twice is a wiring bug. */
export function mergeTables(...tables: readonly RpcMethodTable[]): RpcMethodTable {
  const out: RpcMethodTable = {};
  for (const table of tables) {
    for (const [name, method] of Object.entries(table)) {
      if (Object.hasOwn(out, name)) throw new RpcTableError(`RPC method ${name} is defined twice`);
      out[name] = method;
    }
  }
  return out;
}

export function isSubscriptionMethod(m: RpcMethod): m is RpcSubscriptionMethod {
  return "subscription" in m;
}

function isAlias(m: RpcMethod): m is RpcAliasMethod {
  return "aliasOf" in m;
}

/** What a name resolves to once aliases are followed and unsubscribe methods are generated. */
export type ResolvedMethod =
  | { readonly kind: "call"; readonly name: string; readonly method: RpcCallMethod }
  | { readonly kind: "subscribe"; readonly name: string; readonly method: RpcSubscriptionMethod }
  | { readonly kind: "unsubscribe"; readonly name: string }
  /** Exists but is unsafe and the server runs with `methods: "safe"`. */
  | { readonly kind: "unsafe"; readonly name: string };

/**
 * Resolves a table once at server start: aliases point at their target, every subscription's
 * unsubscribe method exists, and unsafe methods are marked refused under the safe policy. Invalid
 * tables (dangling or chained aliases, an unsubscribe name that collides with a call) throw.
 */
export function resolveTable(table: RpcMethodTable, policy: RpcMethodsPolicy): Map<string, ResolvedMethod> {
  const out = new Map<string, ResolvedMethod>();
  const direct = (name: string, m: RpcMethod): ResolvedMethod => {
    if (isAlias(m)) throw new RpcTableError(`alias ${name} points at another alias`);
    if (policy === "safe" && m.unsafe === true) return { kind: "unsafe", name };
    return isSubscriptionMethod(m)
      ? { kind: "subscribe", name, method: m }
      : { kind: "call", name, method: m };
  };
  for (const [name, m] of Object.entries(table)) {
    if (isAlias(m)) {
      const target = table[m.aliasOf];
      if (target === undefined)
        throw new RpcTableError(`alias ${name} points at unknown method ${m.aliasOf}`);
      out.set(name, direct(m.aliasOf, target));
    } else {
      out.set(name, direct(name, m));
    }
  }
  for (const [name, m] of Object.entries(table)) {
    if (isAlias(m) || !isSubscriptionMethod(m)) continue;
    const unsub = m.subscription.unsubscribe;
    const existing = table[unsub];
    if (existing !== undefined && !isAlias(existing)) {
      throw new RpcTableError(`unsubscribe method ${unsub} of ${name} collides with a defined method`);
    }
    const refused = policy === "safe" && m.unsafe === true;
    const prior = out.get(unsub);
    // Several subscriptions may share one unsubscribe name; it is refused only if all are unsafe.
    if (refused && prior !== undefined) continue;
    out.set(unsub, refused ? { kind: "unsafe", name: unsub } : { kind: "unsubscribe", name: unsub });
  }
  return out;
}

/**
 * `rpc_methods` as Substrate answers it: every callable name (aliases and unsubscribe methods
 * included) that the policy allows, sorted.
 */
export function rpcMethods(table: RpcMethodTable, policy: RpcMethodsPolicy): { methods: string[] } {
  const methods: string[] = [];
  for (const [name, resolved] of resolveTable(table, policy)) {
    if (resolved.kind !== "unsafe") methods.push(name);
  }
  return { methods: methods.sort() };
}
