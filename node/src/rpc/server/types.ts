/** How a call reached the server; handlers may answer differently (e.g. refuse work over HTTP). */
export type RpcTransport = "http" | "ws";

export interface RpcCallContext {
  readonly transport: RpcTransport;
  /** Unique per HTTP request or WebSocket connection within this server. */
  readonly connectionId: number;
  readonly remoteAddress: string | undefined;
  readonly method: string;
}

/** A plain request/response method. */
export interface RpcCallMethod {
  handler(params: unknown[], ctx: RpcCallContext): unknown;
  /** Refused (as -32601) when the server runs with `methods: "safe"`. */
  readonly unsafe?: boolean;
  /** Names for by-name (object) params, in positional order; without it object params are refused. */
  readonly paramNames?: readonly string[];
}

/** Tears a subscription down; called once, whoever ends it (client, server or connection loss). */
export type Unsubscribe = () => void | Promise<void>;

export interface SubscriptionSink {
  /** The subscription id the client was given. */
  readonly id: string;
  /** Sends `{"method": <notification>, "params": {"subscription": id, "result": result}}`. */
  next(result: unknown): void;
  /** Sends a final notification carrying `error` instead of `result` and ends the subscription. */
  error(err: unknown): void;
  /** Ends the subscription without a further message. */
  complete(): void;
  /** False once the subscription ended (unsubscribed, completed, errored or connection closed). */
  readonly active: boolean;
}

export interface RpcSubscriptionMethod {
  readonly subscription: {
    /**
     * The notification method name, e.g. `chain_newHead`. A function picks it per subscription
     * instance from the subscribe params (Ethereum's `eth_subscribe` always answers
     * `eth_subscription` but other namespaces may vary by kind).
     */
    readonly notification: string | ((params: unknown[]) => string);
    /** The method that ends it, e.g. `chain_unsubscribeNewHead`; registered automatically. */
    readonly unsubscribe: string;
    /**
     * Subscription id style: Substrate's 16 random alphanumerics (default) or Frontier's `0x` +
     * 32 hex digits for `eth_subscribe`.
     */
    readonly idFormat?: "alphanumeric" | "hex";
    /**
     * Starts the subscription. The id reply is written before any `sink.next` reaches the wire,
     * even when called synchronously from here. Throw an `RpcError` to refuse (no id is issued).
     */
    subscribe(
      params: unknown[],
      ctx: RpcCallContext,
      sink: SubscriptionSink,
    ): Unsubscribe | Promise<Unsubscribe>;
  };
  readonly unsafe?: boolean;
  readonly paramNames?: readonly string[];
}

/** Another name for an existing method, e.g. `chain_subscribeNewHeads` for `chain_subscribeNewHead`. */
export interface RpcAliasMethod {
  readonly aliasOf: string;
}

export type RpcMethod = RpcCallMethod | RpcSubscriptionMethod | RpcAliasMethod;

export type RpcMethodTable = Record<string, RpcMethod>;

export type RpcMethodsPolicy = "safe" | "unsafe";
