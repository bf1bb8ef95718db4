import { ethereum } from "@darwin/pallets";
import { RpcError } from "../rpc/server/index.ts";
import { isPoolError } from "../txpool/index.ts";

/** geth's message for a transaction the Ethereum pallet refused. */
export function ethTxErrorMessage(err: unknown): string {
  if (err instanceof ethereum.EthereumTransactionError) return err.message;
  return `invalid transaction: ${(err as Error)?.message ?? String(err)}`;
}

/** The geth wording for a runtime validity reason (what a pool rejection carries). */
function validityMessage(v: { type: string; value: { type: string; value?: unknown } }): string {
  const reason = v.value.type;
  if (v.type !== "Invalid") return `transaction validity unknown: ${reason}`;
  switch (reason) {
    case "Stale":
      return "nonce too low";
    case "Future":
      return "nonce too high";
    case "Payment":
      return "insufficient funds for gas * price + value";
    case "BadProof":
      return "invalid sender";
    case "BadSigner":
      return "sender not an eoa";
    case "ExhaustsResources":
      return "exceeds block gas limit";
    case "Call":
      return "rlp: malformed transaction";
    case "Custom":
      switch (v.value.value) {
        case 0:
          return "invalid chain id";
        case 1:
          return "intrinsic gas too low";
        case 3:
          return "max fee per gas less than block base fee";
        case 4:
          return "transaction type not supported";
        case 6:
          return "max initcode size exceeded";
        default:
          return `invalid transaction: custom error ${String(v.value.value)}`;
      }
    default:
      return `invalid transaction: ${reason}`;
  }
}

/** Maps a pool rejection to the -32000 error Ethereum clients recognise. */
export function poolErrorToEth(err: unknown): RpcError {
  if (!isPoolError(err)) return new RpcError(-32000, (err as Error)?.message ?? String(err));
  switch (err.code) {
    case "AlreadyImported":
      return new RpcError(-32000, "already known");
    case "TooLowPriority":
      return new RpcError(-32000, "replacement transaction underpriced");
    case "TemporarilyBanned":
      return new RpcError(-32000, "transaction temporarily banned: it was found invalid recently");
    case "ImmediatelyDropped":
      return new RpcError(-32000, "txpool is full");
    case "InvalidTransaction":
    case "UnknownTransaction":
      return new RpcError(-32000, err.validity ? validityMessage(err.validity as never) : err.message);
    default:
      return new RpcError(-32000, err.message);
  }
}

/** Solidity's `Error(string)` reason, if the revert data is one. */
export function revertReason(data: Uint8Array): string | undefined {
  if (data.length < 68) return undefined;
  if (data[0] !== 0x08 || data[1] !== 0xc3 || data[2] !== 0x79 || data[3] !== 0xa0) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const len = Number(view.getBigUint64(4 + 32 + 24));
  if (68 + len > data.length) return undefined;
  return new TextDecoder().decode(data.subarray(68, 68 + len));
}
