import type { RpcMethodTable } from "../server/index.ts";
import { RpcError } from "../server/index.ts";
import type { RpcDeps } from "./deps.ts";
import { hexParam } from "./util.ts";

/** `payment_*` (deprecated in Substrate in favour of the runtime API, still used by Apps). */
export function paymentMethods(d: RpcDeps): RpcMethodTable {
  const run = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw new RpcError(1002, "Unable to query dispatch info.", (err as Error).message);
    }
  };
  return {
    payment_queryInfo: {
      handler: (params) => {
        const xt = hexParam(params[0], "extrinsic", {});
        const at = d.chain.resolveAt(hexParam(params[1], "at", { length: 32, optional: true }));
        const info = run(() => d.chain.runtime.queryInfo(d.chain.stateAt(at).ext, xt, xt.length));
        return {
          weight: { refTime: Number(info.weight.refTime), proofSize: Number(info.weight.proofSize) },
          class: info.class.type.toLowerCase(),
          partialFee: info.partialFee.toString(),
        };
      },
    },
    payment_queryFeeDetails: {
      handler: (params) => {
        const xt = hexParam(params[0], "extrinsic", {});
        const at = d.chain.resolveAt(hexParam(params[1], "at", { length: 32, optional: true }));
        const f = run(() => d.chain.runtime.queryFeeDetails(d.chain.stateAt(at).ext, xt, xt.length));
        const hex = (v: bigint) => `0x${v.toString(16)}`;
        return {
          inclusionFee: f.inclusionFee
            ? {
                baseFee: hex(f.inclusionFee.baseFee),
                lenFee: hex(f.inclusionFee.lenFee),
                adjustedWeightFee: hex(f.inclusionFee.adjustedWeightFee),
              }
            : null,
          tip: hex(f.tip),
        };
      },
    },
  };
}
