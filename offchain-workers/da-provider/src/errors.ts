import { Data } from "effect";

export type DaErrorCode =
  | "BAD_CID"
  | "BAD_REQUEST"
  | "NOT_FOUND"
  | "INCOMPLETE_DAG"
  | "CID_MISMATCH"
  | "QUOTA_EXCEEDED"
  | "PAYLOAD_TOO_LARGE"
  | "BAD_SIGNATURE"
  | "STALE_REQUEST"
  | "REPLAYED"
  | "TRUNCATED_CAR"
  | "BAD_CAR"
  | "RANGE_NOT_SATISFIABLE"
  | "PEER_UNAVAILABLE"
  | "RETRIEVABILITY_FAILED"
  | "STORE_FAILURE";

/** The HTTP status each error code maps to at the gateway and API. */
export const STATUS_OF: Readonly<Record<DaErrorCode, number>> = {
  BAD_CID: 400,
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  INCOMPLETE_DAG: 422,
  CID_MISMATCH: 422,
  QUOTA_EXCEEDED: 413,
  PAYLOAD_TOO_LARGE: 413,
  BAD_SIGNATURE: 401,
  STALE_REQUEST: 401,
  REPLAYED: 409,
  TRUNCATED_CAR: 400,
  BAD_CAR: 400,
  RANGE_NOT_SATISFIABLE: 416,
  PEER_UNAVAILABLE: 502,
  RETRIEVABILITY_FAILED: 502,
  STORE_FAILURE: 500,
};

/**
 * Every failure of the DA provider. A tagged error, so Effect code can `catchTag("DaError")`, and a
 * plain Error with a `code`, so promise code and HTTP clients can switch on it.
 */
export class DaError extends Data.TaggedError("DaError")<{
  readonly code: DaErrorCode;
  readonly message: string;
  readonly cause?: unknown;
}> {
  get status(): number {
    return STATUS_OF[this.code];
  }
}

export function daError(code: DaErrorCode, message: string, cause?: unknown): DaError {
  return cause === undefined ? new DaError({ code, message }) : new DaError({ code, message, cause });
}

export function isDaError(err: unknown, code?: DaErrorCode): err is DaError {
  return err instanceof DaError && (code === undefined || err.code === code);
}
