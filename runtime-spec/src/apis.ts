import { grandpa, session } from "@darwin/pallets";
import {
  AccountId20,
  AuraId,
  DispatchClass,
  type Externalities,
  H256,
  Header,
  Weight,
} from "@darwin/pallets/support";
import {
  type AnyCodec,
  bool,
  bytes,
  type Codec,
  decode,
  decodeLength,
  encode,
  enumeration,
  fixedBytes,
  option,
  Reader,
  ScaleError,
  struct,
  tuple,
  u32,
  u64,
  u128,
  unit,
  vec,
} from "@darwin/scale";
import { SLOT_DURATION_MS } from "./darwin.ts";
import { buildMetadata } from "./metadata.ts";
import {
  type Block,
  type DarwinRuntime,
  decodeBlock,
  decodeInherentData,
  InherentDataCodec,
} from "./runtime.ts";
import { ApplyExtrinsicResultCodec, TransactionSourceCodec, TransactionValidityCodec } from "./validity.ts";
import { RuntimeVersionCodec } from "./version.ts";

export interface RuntimeApiMethod {
  readonly name: string;
  readonly inputs: readonly { readonly name: string; readonly codec: AnyCodec }[];
  readonly output: AnyCodec;
  readonly docs?: readonly string[];
  /** Decoded inputs in, the output value out. */
  readonly run: (rt: DarwinRuntime, ext: Externalities, args: unknown[]) => unknown | Promise<unknown>;
}

export interface RuntimeApiDef {
  readonly name: string;
  readonly methods: readonly RuntimeApiMethod[];
  readonly docs?: readonly string[];
}

/** Opaque bytes whose metadata type is `Vec<u8>` (an extrinsic, a block). */
const OpaqueExtrinsic: Codec<Uint8Array> = {
  info: {
    path: ["sp_runtime", "OpaqueExtrinsic"],
    def: { tag: "composite", fields: [{ type: bytes, typeName: "Vec<u8>" }] },
  },
  encodeTo: (v, w) => w.bytes(v),
  decodeFrom(r) {
    const start = r.offset;
    const len = decodeLength(r);
    r.bytes(len);
    return r.data.slice(start, r.offset);
  },
};

const BlockCodec: Codec<Block> = {
  info: {
    path: ["sp_runtime", "generic", "block", "Block"],
    def: {
      tag: "composite",
      fields: [
        { name: "header", type: Header },
        { name: "extrinsics", type: vec(OpaqueExtrinsic) },
      ],
    },
  },
  encodeTo: () => {
    throw new ScaleError("Invalid", "blocks are encoded by encodeBlock");
  },
  decodeFrom(r) {
    const b = decodeBlock(r.data.subarray(r.offset));
    r.offset = r.data.length;
    return b;
  },
};

const InherentData = struct({ data: InherentDataCodec }, { path: ["sp_inherents", "InherentData"] });
const CheckInherentsResult = struct(
  { okay: bool, fatalError: bool, errors: InherentData },
  { path: ["sp_inherents", "CheckInherentsResult"] },
);
const RuntimeDispatchInfo = struct(
  { weight: Weight, class: DispatchClass, partialFee: u128 },
  { path: ["pallet_transaction_payment", "types", "RuntimeDispatchInfo"] },
);
const InclusionFee = struct(
  { baseFee: u128, lenFee: u128, adjustedWeightFee: u128 },
  { path: ["pallet_transaction_payment", "types", "InclusionFee"] },
);
const FeeDetails = struct(
  { inclusionFee: option(InclusionFee), tip: u128 },
  { path: ["pallet_transaction_payment", "types", "FeeDetails"] },
);
const ExtrinsicInclusionMode = enumeration(
  { AllExtrinsics: { index: 0 }, OnlyInherents: { index: 1 } },
  { path: ["sp_runtime", "ExtrinsicInclusionMode"] },
);
const KeyTypeId = fixedBytes(4, ["sp_core", "crypto", "KeyTypeId"]);
const SlotDuration = {
  ...u64,
  info: {
    path: ["sp_consensus_slots", "SlotDuration"],
    def: { tag: "composite" as const, fields: [{ type: u64 }] },
  },
};

/** Every runtime API with its wire signature; `state_call` and metadata V15 both come from this table. */
export const RUNTIME_API_TABLE: readonly RuntimeApiDef[] = [
  {
    name: "Core",
    docs: ["The `Core` runtime api that every Substrate runtime needs to implement."],
    methods: [
      { name: "version", inputs: [], output: RuntimeVersionCodec, run: (rt) => rt.version },
      {
        name: "execute_block",
        inputs: [{ name: "block", codec: BlockCodec }],
        output: unit,
        run: async (rt, ext, [block]) => {
          await rt.executeBlock(ext, block as Block);
          return null;
        },
      },
      {
        name: "initialize_block",
        inputs: [{ name: "header", codec: Header }],
        output: ExtrinsicInclusionMode,
        run: async (rt, ext, [header]) => {
          await rt.initializeBlock(ext, header as Parameters<DarwinRuntime["initializeBlock"]>[1]);
          return { type: "AllExtrinsics" };
        },
      },
    ],
  },
  {
    name: "Metadata",
    docs: ["The `Metadata` api trait that returns metadata for the runtime."],
    methods: [
      { name: "metadata", inputs: [], output: bytes, run: (rt) => metadataOf(rt, 14) },
      {
        name: "metadata_at_version",
        inputs: [{ name: "version", codec: u32 }],
        output: option(bytes),
        run: (rt, _ext, [v]) => (v === 14 || v === 15 ? metadataOf(rt, v) : undefined),
      },
      { name: "metadata_versions", inputs: [], output: vec(u32), run: () => [14, 15] },
    ],
  },
  {
    name: "BlockBuilder",
    methods: [
      {
        name: "apply_extrinsic",
        inputs: [{ name: "extrinsic", codec: OpaqueExtrinsic }],
        output: ApplyExtrinsicResultCodec,
        run: (rt, ext, [xt]) => rt.applyExtrinsic(ext, xt as Uint8Array),
      },
      { name: "finalize_block", inputs: [], output: Header, run: (rt, ext) => rt.finalizeBlock(ext) },
      {
        name: "inherent_extrinsics",
        inputs: [{ name: "inherent", codec: InherentData }],
        output: vec(OpaqueExtrinsic),
        run: (rt, _ext, [data]) =>
          rt.inherentExtrinsics(decodeInherentData(encode(InherentData, data as never))),
      },
      {
        name: "check_inherents",
        inputs: [
          { name: "block", codec: BlockCodec },
          { name: "data", codec: InherentData },
        ],
        output: CheckInherentsResult,
        run: () => ({ okay: true, fatalError: false, errors: { data: [] } }),
      },
    ],
  },
  {
    name: "TaggedTransactionQueue",
    methods: [
      {
        name: "validate_transaction",
        inputs: [
          { name: "source", codec: TransactionSourceCodec },
          { name: "tx", codec: OpaqueExtrinsic },
          { name: "block_hash", codec: H256 },
        ],
        output: TransactionValidityCodec,
        run: (rt, ext, [, tx, hash]) => rt.validateTransaction(ext, tx as Uint8Array, hash as Uint8Array),
      },
    ],
  },
  {
    name: "OffchainWorkerApi",
    methods: [
      {
        name: "offchain_worker",
        inputs: [{ name: "header", codec: Header }],
        output: unit,
        run: async (rt, ext, [header]) => {
          const ctx = rt.ctx(ext);
          for (const e of rt.composed.entries)
            await e.pallet.spec.hooks?.offchainWorker?.(ctx, (header as { number: number }).number);
          return null;
        },
      },
    ],
  },
  {
    name: "AuraApi",
    methods: [
      { name: "slot_duration", inputs: [], output: SlotDuration, run: () => SLOT_DURATION_MS },
      { name: "authorities", inputs: [], output: vec(AuraId), run: (rt, ext) => rt.auraAuthorities(ext) },
    ],
  },
  {
    name: "GrandpaApi",
    methods: [
      {
        name: "grandpa_authorities",
        inputs: [],
        output: grandpa.AuthorityList,
        run: (rt, ext) => rt.grandpaAuthorities(ext),
      },
      { name: "current_set_id", inputs: [], output: u64, run: (_rt, ext) => grandpa.CurrentSetId.get(ext) },
    ],
  },
  {
    name: "SessionKeys",
    methods: [
      {
        name: "decode_session_keys",
        inputs: [{ name: "encoded", codec: bytes }],
        output: option(vec(tuple(bytes, KeyTypeId))),
        run: (_rt, _ext, [encoded]) => {
          try {
            const keys = decode(session.SessionKeysCodec, encoded as Uint8Array);
            return [
              [keys.aura, new TextEncoder().encode("aura")],
              [keys.grandpa, new TextEncoder().encode("gran")],
            ];
          } catch {
            return undefined;
          }
        },
      },
    ],
  },
  {
    name: "AccountNonceApi",
    methods: [
      {
        name: "account_nonce",
        inputs: [{ name: "account", codec: AccountId20 }],
        output: u32,
        run: (rt, ext, [who]) => rt.accountNonce(ext, who as Uint8Array),
      },
    ],
  },
  {
    name: "TransactionPaymentApi",
    methods: [
      {
        name: "query_info",
        inputs: [
          { name: "uxt", codec: OpaqueExtrinsic },
          { name: "len", codec: u32 },
        ],
        output: RuntimeDispatchInfo,
        run: (rt, ext, [uxt, len]) => rt.queryInfo(ext, uxt as Uint8Array, len as number),
      },
      {
        name: "query_fee_details",
        inputs: [
          { name: "uxt", codec: OpaqueExtrinsic },
          { name: "len", codec: u32 },
        ],
        output: FeeDetails,
        run: (rt, ext, [uxt, len]) => rt.queryFeeDetails(ext, uxt as Uint8Array, len as number),
      },
    ],
  },
];

const metadataCache = new WeakMap<DarwinRuntime, Map<number, Uint8Array>>();
export function metadataOf(rt: DarwinRuntime, version: 14 | 15): Uint8Array {
  let byVersion = metadataCache.get(rt);
  if (!byVersion) {
    byVersion = new Map();
    metadataCache.set(rt, byVersion);
  }
  let m = byVersion.get(version);
  if (!m) {
    m = buildMetadata(rt.composed, RUNTIME_API_TABLE, version);
    byVersion.set(version, m);
  }
  return m;
}

const methodIndex = new Map<string, RuntimeApiMethod>();
for (const api of RUNTIME_API_TABLE) for (const m of api.methods) methodIndex.set(`${api.name}_${m.name}`, m);

export class RuntimeCallError extends Error {
  readonly code: "UnknownMethod" | "BadInput" | "ExecutionFailed";
  constructor(code: RuntimeCallError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

/** `state_call`: runs `method` (e.g. `Core_version`) with SCALE-encoded `input`, returns SCALE output. */
export async function callRuntimeApi(
  rt: DarwinRuntime,
  ext: Externalities,
  method: string,
  input: Uint8Array,
): Promise<Uint8Array> {
  const m = methodIndex.get(method);
  if (!m) throw new RuntimeCallError("UnknownMethod", `Exported method ${method} is not found`);
  const r = new Reader(input);
  let args: unknown[];
  try {
    args = m.inputs.map((i) => i.codec.decodeFrom(r));
    if (r.remaining !== 0) throw new ScaleError("TrailingBytes", `${r.remaining} trailing bytes`);
  } catch (err) {
    throw new RuntimeCallError(
      "BadInput",
      `Could not decode the input of ${method}: ${(err as Error).message}`,
    );
  }
  const out = await m.run(rt, ext, args);
  return encode(m.output, out);
}

export function runtimeApiMethods(): string[] {
  return [...methodIndex.keys()];
}
