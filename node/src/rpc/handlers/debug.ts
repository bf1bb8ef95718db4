import type { EthDeps } from "../../eth/context.ts";
import { hashParam } from "../../eth/params.ts";
import { createTracer } from "../../eth/trace.ts";
import type { RpcMethodTable } from "../server/index.ts";

/** `debug_traceTransaction` (callTracer). Unsafe: a replay re-executes a whole block prefix. */
export function debugMethods(d: EthDeps): RpcMethodTable {
  const trace = createTracer(d);
  return {
    debug_traceTransaction: {
      unsafe: true,
      handler: (params) => trace(hashParam(params[0], "transaction hash"), params[1]),
    },
  };
}
