import type { Logger } from "@darwin/observability";
import type { Chain } from "../../chain/chain.ts";
import type { BlockProducer } from "../../consensus/producer.ts";
import type { Keystore } from "../../keystore/index.ts";

export type TxStatus =
  | "future"
  | "ready"
  | "dropped"
  | "invalid"
  | { readonly broadcast: string[] }
  | { readonly inBlock: string }
  | { readonly retracted: string }
  | { readonly finalityTimeout: string }
  | { readonly finalized: string }
  | { readonly usurped: string };

/** What the RPC layer needs of the transaction pool. */
export interface PoolApi {
  submit(xt: Uint8Array): Promise<Uint8Array>;
  submitAndWatch(
    xt: Uint8Array,
    onStatus: (status: TxStatus) => void,
  ): Promise<{ hash: Uint8Array; unwatch: () => void }>;
  pending(): Uint8Array[];
  remove(hashes: Uint8Array[]): void;
  /** Highest nonce the pool holds for `who`, plus one; undefined when it holds none. */
  nextNonce(who: Uint8Array, onChain: number): number;
  status(): { ready: number; future: number };
}

export interface RpcDeps {
  readonly chain: Chain;
  readonly pool: PoolApi;
  readonly keystore: Keystore;
  readonly producer: BlockProducer | undefined;
  readonly logger: Logger;
  readonly nodeName: string;
  readonly nodeVersion: string;
  readonly peerId: string;
  readonly roles: string[];
  readonly peers: () => number;
}
