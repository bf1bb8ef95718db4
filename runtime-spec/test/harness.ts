// ExtBuilder for the Darwin runtime: an in-memory chain that builds blocks the way the node does.
import { blake2_256, devEthereumAccounts, signPayload } from "@darwin/crypto";
import { system } from "@darwin/pallets";
import {
  Header,
  InMemoryBackend,
  OverlayedExternalities,
  type RuntimeCall,
  type StateBackend,
} from "@darwin/pallets/support";
import { compactU32, decode, encode, fromHex, u64 } from "@darwin/scale";
import { rootOf } from "@darwin/trie";
import {
  buildGenesisState,
  DarwinRuntime,
  type Era,
  encodeSignedExtrinsic,
  type GenesisConfig,
  genesisPreset,
  signingPayload,
  VERSION,
} from "../src/index.ts";

const AURA = new Uint8Array([0x61, 0x75, 0x72, 0x61]);

export function stateRootOf(
  backend: StateBackend,
  changes: ReadonlyMap<string, Uint8Array | null>,
): Uint8Array {
  const all = new Map((backend as InMemoryBackend).entries);
  for (const [k, v] of changes) {
    if (v === null) all.delete(k);
    else all.set(k, v);
  }
  return rootOf([...all].map(([k, v]) => [fromHex(k), v] as const));
}

export class TestChain {
  readonly backend = new InMemoryBackend();
  readonly rt = new DarwinRuntime({
    orderedTrieRoot: (items) => rootOf(items.map((v, i) => [encode(compactU32, i), v] as const)),
  });
  genesisHash: Uint8Array = new Uint8Array(32);
  parentHash: Uint8Array = new Uint8Array(32);
  number = 0;
  slot = 1000n;
  now = 1_700_000_000_000n;
  lastEvents: unknown[] = [];

  static async create(config: GenesisConfig = genesisPreset("dev")): Promise<TestChain> {
    const chain = new TestChain();
    const ext = chain.ext();
    buildGenesisState(chain.rt, ext, config);
    const changes = ext.changes();
    const stateRoot = ext.storageRoot();
    chain.backend.apply(changes);
    const header = {
      parentHash: new Uint8Array(32),
      number: 0,
      stateRoot,
      extrinsicsRoot: rootOf([]),
      digest: { logs: [] },
    };
    chain.genesisHash = blake2_256(encode(Header, header));
    chain.parentHash = chain.genesisHash;
    return chain;
  }

  ext(): OverlayedExternalities {
    return new OverlayedExternalities(this.backend, stateRootOf);
  }

  /** Signs a call the way Polkadot.js does (immortal era by default). */
  sign(
    who: number,
    call: RuntimeCall,
    opts: { nonce?: number; tip?: bigint; era?: Era; checkpoint?: Uint8Array } = {},
  ): Uint8Array {
    const acct = devEthereumAccounts()[who]!;
    const callBytes = encode(this.rt.composed.callCodec, call);
    const nonce = opts.nonce ?? this.nonceOf(acct.address);
    const extra = {
      era: opts.era ?? { type: "Immortal" as const },
      nonce,
      tip: opts.tip ?? 0n,
      metadataHashMode: 0,
    };
    const payload = signingPayload(callBytes, extra, {
      specVersion: VERSION.specVersion,
      transactionVersion: VERSION.transactionVersion,
      genesisHash: this.genesisHash,
      checkpointHash: opts.checkpoint ?? this.genesisHash,
    });
    return encodeSignedExtrinsic(callBytes, acct.address, signPayload(payload, acct.secretKey), extra);
  }

  nonceOf(who: Uint8Array): number {
    return system.Account.get(this.ext(), who).nonce;
  }

  /** Builds and imports one block with the given extrinsics; returns each one's apply result. */
  async block(extrinsics: Uint8Array[]) {
    const ext = this.ext();
    this.number += 1;
    this.slot += 1n;
    this.now += 6000n;
    const digest = {
      logs: [
        { type: "PreRuntime" as const, value: [AURA, encode(u64, this.slot)] as [Uint8Array, Uint8Array] },
      ],
    };
    await this.rt.initializeBlock(ext, {
      parentHash: this.parentHash,
      number: this.number,
      stateRoot: new Uint8Array(32),
      extrinsicsRoot: new Uint8Array(32),
      digest,
    });
    const inherents = this.rt.inherentExtrinsics(new Map([["timstap0", encode(u64, this.now)]]));
    const results = [];
    const included: Uint8Array[] = [];
    for (const xt of [...inherents, ...extrinsics]) {
      ext.startTransaction();
      const r = await this.rt.applyExtrinsic(ext, xt);
      if ("err" in r) ext.rollbackTransaction();
      else {
        ext.commitTransaction();
        included.push(xt);
      }
      results.push(r);
    }
    const header = await this.rt.finalizeBlock(ext);
    const eventsRaw = ext.get(eventsKey());
    this.lastEvents = eventsRaw ? decode(this.rt.composed.eventsCodec, eventsRaw) : [];
    this.backend.apply(ext.changes());
    this.parentHash = blake2_256(encode(Header, header));
    return {
      header,
      results: results.slice(inherents.length),
      included,
      events: this.lastEvents as EventRecordLike[],
    };
  }
}

export interface EventRecordLike {
  phase: { type: string; value?: number };
  event: { type: string; value: { type: string; value?: Record<string, unknown> } };
}

function eventsKey(): Uint8Array {
  // twox128("System") ++ twox128("Events")
  return fromHex("0x26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7");
}

export function eventNames(events: EventRecordLike[]): string[] {
  return events.map((e) => `${e.event.type}.${e.event.value.type}`);
}
