import { type Abi, parseAbi } from "viem";
import { abiEncode, bytesOf, decodeCall, encodeResult, ensureNotStatic, topicOf } from "./abi.ts";
import { type DarwinPrecompile, PrecompileRevert, precompileAddress } from "./framework.ts";

export const BATCH_ADDRESS = precompileAddress(0x0801);

export const BATCH_ABI: Abi = parseAbi([
  "function batchSome(address[] to, uint256[] value, bytes[] callData, uint64[] gasLimit)",
  "function batchSomeUntilFailure(address[] to, uint256[] value, bytes[] callData, uint64[] gasLimit)",
  "function batchAll(address[] to, uint256[] value, bytes[] callData, uint64[] gasLimit)",
  "event SubcallSucceeded(uint256 index)",
  "event SubcallFailed(uint256 index)",
]);

const SUCCEEDED = topicOf("SubcallSucceeded(uint256)");
const FAILED = topicOf("SubcallFailed(uint256)");
const GAS_PER_SUBCALL = 1_000n;

/**
 * Batch (0x0801): several calls made as the caller in one transaction. `batchAll` reverts all of
 * them when one fails; `batchSome` keeps the successful ones; `batchSomeUntilFailure` stops at the
 * first failure and keeps what ran before it. Missing values and gas limits mean 0 and "all left".
 */
export function batchPrecompile(): DarwinPrecompile {
  const abi = BATCH_ABI;
  return {
    name: "Batch",
    address: BATCH_ADDRESS,
    async execute(h) {
      ensureNotStatic(h);
      const { functionName, args } = decodeCall(abi, h.input);
      const [to, values, data, gasLimits] = args as [`0x${string}`[], bigint[], `0x${string}`[], bigint[]];
      // Sub-call values move from the caller's own balance; value sent to Batch itself would be stuck.
      if (h.value !== 0n)
        throw new PrecompileRevert("Batch is not payable: sub-call values move from the caller");
      for (let i = 0; i < to.length; i++) {
        h.charge(GAS_PER_SUBCALL);
        const left = h.gasLimit - h.gasUsed;
        const requested = gasLimits[i] ?? 0n;
        const gas = requested === 0n ? left - left / 64n : requested;
        if (gas > left) throw new PrecompileRevert(`batch subcall ${i}: not enough gas left`);
        const r = await h.subcall({
          caller: h.caller,
          to: bytesOf(to[i]!),
          value: values[i] ?? 0n,
          data: bytesOf(data[i] ?? "0x"),
          gasLimit: gas,
        });
        h.charge(r.gasUsed);
        const index = abiEncode([{ type: "uint256" }], [BigInt(i)]);
        if (r.success) {
          h.log([SUCCEEDED], index);
          continue;
        }
        if (functionName === "batchAll")
          throw new PrecompileRevert(`batch subcall ${i} failed`, r.returnData);
        h.log([FAILED], index);
        if (functionName === "batchSomeUntilFailure") break;
      }
      return encodeResult(abi, functionName, undefined);
    },
  };
}
