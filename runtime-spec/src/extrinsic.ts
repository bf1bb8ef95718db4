import { AccountId20, EthereumSignature, H256, type RuntimeCall } from "@darwin/pallets/support";
import {
  type AnyCodec,
  bytes,
  type Codec,
  compactU32,
  compactU128,
  concatBytes,
  decodeLength,
  encode,
  encodeCompact,
  enumeration,
  fixedBytes,
  option,
  Reader,
  ScaleError,
  tuple,
  u8,
  u32,
  unit,
  Writer,
} from "@darwin/scale";
import { type Era, EraCodec } from "./era.ts";

export const EXTRINSIC_FORMAT_VERSION = 4;
const SIGNED_BIT = 0b1000_0000;

/** The values a signer commits to in the transaction itself (the signed extensions' "extra"). */
export interface SignedExtra {
  readonly era: Era;
  readonly nonce: number;
  readonly tip: bigint;
  /** CheckMetadataHash mode: 0 = disabled, 1 = enabled. */
  readonly metadataHashMode: number;
}

/** What the signer also commits to without sending it (the "additional signed" data). */
export interface AdditionalSigned {
  readonly specVersion: number;
  readonly transactionVersion: number;
  readonly genesisHash: Uint8Array;
  /** The hash of the era's birth block (the genesis hash for immortal transactions). */
  readonly checkpointHash: Uint8Array;
}

const Mode = enumeration(
  { Disabled: { index: 0 }, Enabled: { index: 1 } },
  { path: ["frame_metadata_hash_extension", "Mode"] },
);

interface ExtensionSpec {
  readonly identifier: string;
  readonly extra: AnyCodec;
  readonly additional: AnyCodec;
}

const emptyExt = (path: string[]): AnyCodec => ({
  ...unit,
  info: { path, def: { tag: "composite", fields: [] } },
});

/** Signed extensions, in the order they appear in the transaction and in metadata. */
export const SIGNED_EXTENSIONS: readonly ExtensionSpec[] = [
  {
    identifier: "CheckNonZeroSender",
    extra: emptyExt(["frame_system", "extensions", "check_non_zero_sender", "CheckNonZeroSender"]),
    additional: unit,
  },
  {
    identifier: "CheckSpecVersion",
    extra: emptyExt(["frame_system", "extensions", "check_spec_version", "CheckSpecVersion"]),
    additional: u32,
  },
  {
    identifier: "CheckTxVersion",
    extra: emptyExt(["frame_system", "extensions", "check_tx_version", "CheckTxVersion"]),
    additional: u32,
  },
  {
    identifier: "CheckGenesis",
    extra: emptyExt(["frame_system", "extensions", "check_genesis", "CheckGenesis"]),
    additional: H256,
  },
  {
    identifier: "CheckMortality",
    extra: {
      ...EraCodec,
      info: {
        path: ["frame_system", "extensions", "check_mortality", "CheckMortality"],
        def: { tag: "composite", fields: [{ type: EraCodec, typeName: "Era" }] },
      },
    },
    additional: H256,
  },
  {
    identifier: "CheckNonce",
    extra: {
      ...compactU32,
      info: {
        path: ["frame_system", "extensions", "check_nonce", "CheckNonce"],
        def: { tag: "composite", fields: [{ type: compactU32, typeName: "T::Nonce" }] },
      },
    },
    additional: unit,
  },
  {
    identifier: "CheckWeight",
    extra: emptyExt(["frame_system", "extensions", "check_weight", "CheckWeight"]),
    additional: unit,
  },
  {
    identifier: "ChargeTransactionPayment",
    extra: {
      ...compactU128,
      info: {
        path: ["pallet_transaction_payment", "ChargeTransactionPayment"],
        def: { tag: "composite", fields: [{ type: compactU128, typeName: "BalanceOf<T>" }] },
      },
    },
    additional: unit,
  },
  {
    identifier: "CheckMetadataHash",
    extra: {
      ...Mode,
      info: {
        path: ["frame_metadata_hash_extension", "CheckMetadataHash"],
        def: { tag: "composite", fields: [{ name: "mode", type: Mode, typeName: "Mode" }] },
      },
    },
    additional: option(fixedBytes(32)),
  },
];

/** The `Extra` tuple type as metadata records it. */
export const ExtraCodec: Codec<SignedExtra> = {
  info: { def: { tag: "tuple", of: SIGNED_EXTENSIONS.map((e) => e.extra) } },
  encodeTo(v, w) {
    EraCodec.encodeTo(v.era, w);
    compactU32.encodeTo(v.nonce, w);
    compactU128.encodeTo(v.tip, w);
    u8.encodeTo(v.metadataHashMode, w);
  },
  decodeFrom(r) {
    const era = EraCodec.decodeFrom(r);
    const nonce = compactU32.decodeFrom(r);
    const tip = compactU128.decodeFrom(r);
    const metadataHashMode = r.u8();
    if (metadataHashMode > 1)
      throw new ScaleError("Invalid", `invalid CheckMetadataHash mode ${metadataHashMode}`);
    return { era, nonce, tip, metadataHashMode };
  },
};

export function encodeAdditionalSigned(a: AdditionalSigned): Uint8Array {
  const w = new Writer(80);
  w.u32(a.specVersion);
  w.u32(a.transactionVersion);
  w.bytes(a.genesisHash);
  w.bytes(a.checkpointHash);
  // CheckMetadataHash: this runtime is built without a metadata hash, so the signer commits to None.
  w.u8(0);
  return w.finish();
}

export interface SignedPart {
  readonly signer: Uint8Array;
  readonly signature: Uint8Array;
  readonly extra: SignedExtra;
}

export interface DecodedExtrinsic {
  readonly signed: SignedPart | undefined;
  readonly call: RuntimeCall;
  /** The call's own encoding, as signed. */
  readonly callBytes: Uint8Array;
  /** The whole extrinsic, with its length prefix, exactly as submitted. */
  readonly encoded: Uint8Array;
}

export class ExtrinsicFormatError extends Error {
  readonly code = "BadFormat";
}

/** Decodes an `UncheckedExtrinsic` (length-prefixed, version 4, signed or bare). */
export function decodeExtrinsic(callCodec: Codec<RuntimeCall>, encoded: Uint8Array): DecodedExtrinsic {
  try {
    const r = new Reader(encoded);
    const len = decodeLength(r);
    if (len !== r.remaining)
      throw new ExtrinsicFormatError(`extrinsic length prefix ${len} does not match ${r.remaining} bytes`);
    const version = r.u8();
    if ((version & 0x7f) !== EXTRINSIC_FORMAT_VERSION)
      throw new ExtrinsicFormatError(`unsupported extrinsic version ${version & 0x7f}`);
    let signed: SignedPart | undefined;
    if (version & SIGNED_BIT) {
      const signer = r.bytes(20).slice();
      const signature = r.bytes(65).slice();
      const extra = ExtraCodec.decodeFrom(r);
      signed = { signer, signature, extra };
    }
    const callStart = r.offset;
    const call = callCodec.decodeFrom(r);
    if (r.remaining !== 0) throw new ExtrinsicFormatError(`${r.remaining} trailing bytes after the call`);
    return { signed, call, callBytes: encoded.subarray(callStart), encoded };
  } catch (err) {
    if (err instanceof ExtrinsicFormatError) throw err;
    throw new ExtrinsicFormatError(`cannot decode extrinsic: ${(err as Error).message}`);
  }
}

/** The payload a signer signs: call ++ extra ++ additional signed. */
export function signingPayload(
  callBytes: Uint8Array,
  extra: SignedExtra,
  additional: AdditionalSigned,
): Uint8Array {
  return concatBytes(callBytes, encode(ExtraCodec, extra), encodeAdditionalSigned(additional));
}

export function encodeSignedExtrinsic(
  callBytes: Uint8Array,
  signer: Uint8Array,
  signature: Uint8Array,
  extra: SignedExtra,
): Uint8Array {
  const body = concatBytes(
    new Uint8Array([SIGNED_BIT | EXTRINSIC_FORMAT_VERSION]),
    signer,
    signature,
    encode(ExtraCodec, extra),
    callBytes,
  );
  const w = new Writer(body.length + 4);
  encodeCompact(body.length, w);
  w.bytes(body);
  return w.finish();
}

export function encodeUnsignedExtrinsic(callBytes: Uint8Array): Uint8Array {
  const w = new Writer(callBytes.length + 5);
  encodeCompact(callBytes.length + 1, w);
  w.u8(EXTRINSIC_FORMAT_VERSION);
  w.bytes(callBytes);
  return w.finish();
}

/** The `UncheckedExtrinsic` type description clients infer address/call/signature/extra from. */
export function uncheckedExtrinsicType(callCodec: AnyCodec): AnyCodec {
  return {
    info: {
      path: ["sp_runtime", "generic", "unchecked_extrinsic", "UncheckedExtrinsic"],
      params: [
        { name: "Address", type: AccountId20 },
        { name: "Call", type: callCodec },
        { name: "Signature", type: EthereumSignature },
        { name: "Extra", type: ExtraCodec },
      ],
      def: { tag: "composite", fields: [{ type: bytes }] },
    },
    encodeTo: (v: Uint8Array, w) => w.bytes(v),
    decodeFrom: (r) => r.bytes(r.remaining),
  };
}

export { tuple };
