import { keccak256 } from "@darwin/crypto";
import { toHex } from "@darwin/scale";
import type { EthDeps } from "../../eth/context.ts";
import { bytesParam } from "../../eth/params.ts";
import type { RpcMethodTable } from "../server/index.ts";

/** `web3_*`. */
export function web3Methods(d: EthDeps): RpcMethodTable {
  return {
    web3_clientVersion: { handler: () => d.clientVersion },
    web3_sha3: { handler: (params) => toHex(keccak256(bytesParam(params[0], "data"))) },
  };
}
