/**
 * JSON-RPC error codes. The standard ones come from the JSON-RPC 2.0 spec; the -3200x server codes
 * are the ones jsonrpsee (Substrate's RPC server) uses, so clients that special-case them keep working.
 */
export const RpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** Ethereum JSON-RPC (EIP-1474) generic server error, also Frontier's family base. */
  ServerError: -32000,
  TooManySubscriptions: -32006,
  OversizedRequest: -32007,
  OversizedResponse: -32008,
  ServerIsBusy: -32009,
  TooBigBatchRequest: -32010,
  /** Substrate's `author_*` invalid transaction (`1010`) and unknown validity (`1011`). */
  InvalidTransaction: 1010,
  UnknownTransactionValidity: 1011,
} as const;

export interface RpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

/**
 * What a handler throws to answer with a specific JSON-RPC error. Anything else a handler throws
 * becomes -32603 Internal error (its message kept in `data`, its stack only in the logs).
 */
export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = "RpcError";
    this.code = code;
    this.data = data;
  }

  toJSON(): RpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  static invalidParams(message: string, data?: unknown): RpcError {
    return new RpcError(RpcErrorCode.InvalidParams, message, data);
  }

  static methodNotFound(method: string, why?: string): RpcError {
    return new RpcError(RpcErrorCode.MethodNotFound, why ? `Method not found: ${why}` : "Method not found", {
      method,
    });
  }

  static internal(message: string): RpcError {
    return new RpcError(RpcErrorCode.InternalError, "Internal error", message);
  }
}

export function isRpcError(err: unknown): err is RpcError {
  return err instanceof RpcError;
}
