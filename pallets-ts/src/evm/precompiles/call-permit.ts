import { keccak256, recoverAddress } from "@darwin/crypto";
import { u256 } from "@darwin/scale";
import { type Abi, parseAbi } from "viem";
import { storageMap } from "../../support/storage.ts";
import { H160 } from "../../support/types.ts";
import { Now } from "../../timestamp/index.ts";
import {
  abiEncode,
  addressTopic,
  bytesOf,
  decodeCall,
  encodeResult,
  ensureNotStatic,
  hexOf,
  topicOf,
} from "./abi.ts";
import { type DarwinPrecompile, PrecompileRevert, precompileAddress } from "./framework.ts";

export const CALL_PERMIT_ADDRESS = precompileAddress(0x0802);

export const CALL_PERMIT_ABI: Abi = parseAbi([
  "function dispatch(address from, address to, uint256 value, bytes data, uint64 gaslimit, uint256 deadline, uint8 v, bytes32 r, bytes32 s) returns (bytes output)",
  "function nonces(address owner) view returns (uint256)",
  "function DOMAIN_SEPARATOR() view returns (bytes32)",
  "event CallPermitDispatched(address indexed from, uint256 nonce, bool success, bytes output)",
]);

/** Permit nonces, under Moonbeam's storage prefix for its call-permit precompile. */
export const PermitNonces = storageMap({
  name: "Nonces",
  hasher: "Blake2_128Concat",
  key: H160,
  value: u256,
  default: 0n,
});
PermitNonces.bindPallet("PrecompileCallPermit");

const utf8 = new TextEncoder();
export const CALL_PERMIT_TYPEHASH = keccak256(
  utf8.encode(
    "CallPermit(address from,address to,uint256 value,bytes data,uint64 gaslimit,uint256 nonce,uint256 deadline)",
  ),
);
const DOMAIN_TYPEHASH = keccak256(
  utf8.encode("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
);
const DISPATCHED = topicOf("CallPermitDispatched(address,uint256,bool,bytes)");
const GAS_OVERHEAD = 10_000n;
const GAS_ECRECOVER = 3_000n;

export function callPermitDomainSeparator(
  chainId: bigint,
  address: Uint8Array = CALL_PERMIT_ADDRESS,
): Uint8Array {
  return keccak256(
    abiEncode(
      [
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "uint256" },
        { type: "address" },
      ],
      [
        hexOf(DOMAIN_TYPEHASH),
        hexOf(keccak256(utf8.encode("Call Permit Precompile"))),
        hexOf(keccak256(utf8.encode("1"))),
        chainId,
        hexOf(address),
      ],
    ),
  );
}

export interface CallPermitMessage {
  readonly from: Uint8Array;
  readonly to: Uint8Array;
  readonly value: bigint;
  readonly data: Uint8Array;
  readonly gaslimit: bigint;
  readonly nonce: bigint;
  readonly deadline: bigint;
}

/** The EIP-712 digest a permit signer signs (what `eth_signTypedData_v4` produces). */
export function callPermitDigest(chainId: bigint, m: CallPermitMessage): Uint8Array {
  const structHash = keccak256(
    abiEncode(
      [
        { type: "bytes32" },
        { type: "address" },
        { type: "address" },
        { type: "uint256" },
        { type: "bytes32" },
        { type: "uint64" },
        { type: "uint256" },
        { type: "uint256" },
      ],
      [
        hexOf(CALL_PERMIT_TYPEHASH),
        hexOf(m.from),
        hexOf(m.to),
        m.value,
        hexOf(keccak256(m.data)),
        m.gaslimit,
        m.nonce,
        m.deadline,
      ],
    ),
  );
  const out = new Uint8Array(66);
  out.set([0x19, 0x01]);
  out.set(callPermitDomainSeparator(chainId), 2);
  out.set(structHash, 34);
  return keccak256(out);
}

/**
 * CallPermit (0x0802): anyone may submit a call signed off-chain by `from` (EIP-712), and it runs as
 * `from`. The permit's nonce is consumed once the signature checks out, whether or not the call it
 * carries succeeds, so a relayer cannot replay a failed permit; the outcome is in the return data
 * and the `CallPermitDispatched` event.
 */
export function callPermitPrecompile(chainId: bigint): DarwinPrecompile {
  const abi = CALL_PERMIT_ABI;
  const domain = callPermitDomainSeparator(chainId);
  return {
    name: "CallPermit",
    address: CALL_PERMIT_ADDRESS,
    async execute(h) {
      const { functionName, args } = decodeCall(abi, h.input);
      const ext = h.ctx.ext;
      switch (functionName) {
        case "nonces":
          h.charge(2_100n);
          return encodeResult(abi, functionName, PermitNonces.get(ext, bytesOf(args[0] as `0x${string}`)));
        case "DOMAIN_SEPARATOR":
          h.charge(200n);
          return encodeResult(abi, functionName, hexOf(domain));
        case "dispatch": {
          ensureNotStatic(h);
          if (h.value !== 0n) throw new PrecompileRevert("function is not payable");
          const [fromHex, toHex, value, dataHex, gaslimit, deadline, v, r, s] = args as [
            `0x${string}`,
            `0x${string}`,
            bigint,
            `0x${string}`,
            bigint,
            bigint,
            number,
            `0x${string}`,
            `0x${string}`,
          ];
          h.charge(GAS_OVERHEAD + GAS_ECRECOVER);
          const now = Now.get(ext) / 1000n;
          if (deadline < now) throw new PrecompileRevert("Permit expired");
          const from = bytesOf(fromHex);
          const nonce = PermitNonces.get(ext, from);
          const data = bytesOf(dataHex);
          const digest = callPermitDigest(chainId, {
            from,
            to: bytesOf(toHex),
            value,
            data,
            gaslimit,
            nonce,
            deadline,
          });
          const sig = new Uint8Array(65);
          sig.set(bytesOf(r), 0);
          sig.set(bytesOf(s), 32);
          sig[64] = v;
          const signer = recoverAddress(digest, sig);
          if (!signer || hexOf(signer) !== fromHex.toLowerCase())
            throw new PrecompileRevert("Invalid permit");
          PermitNonces.insert(ext, from, nonce + 1n);
          const left = h.gasLimit - h.gasUsed;
          if (gaslimit > left - left / 64n)
            throw new PrecompileRevert("not enough gas left for the permitted call's gas limit");
          const res = await h.subcall({ caller: from, to: bytesOf(toHex), value, data, gasLimit: gaslimit });
          h.charge(res.gasUsed);
          h.log(
            [DISPATCHED, addressTopic(from)],
            abiEncode(
              [{ type: "uint256" }, { type: "bool" }, { type: "bytes" }],
              [nonce, res.success, hexOf(res.returnData)],
            ),
          );
          return encodeResult(abi, functionName, hexOf(res.returnData));
        }
        default:
          throw new PrecompileRevert("unknown selector");
      }
    },
  };
}
