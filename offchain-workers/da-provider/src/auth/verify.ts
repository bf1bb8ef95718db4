import { daError } from "../errors.ts";
import {
  AUTH_HEADERS,
  type DaAction,
  normaliseAddress,
  recoverPersonalSigner,
  requestMessage,
  type SignedRequest,
} from "./signature.ts";

/** Remembers (owner, nonce) pairs long enough to refuse a replay within the accepted time window. */
export interface NonceStore {
  /** Records the nonce; false if it was already recorded. */
  claim(owner: string, nonce: string, expiresAtMs: number): boolean;
  /** Forgets nonces whose window has passed. */
  prune(nowMs: number): number;
}

export interface RequestVerifierOpts {
  /** How far a request's timestamp may be from the provider's clock, in seconds (default 300). */
  readonly maxSkewSeconds?: number;
  readonly now?: () => number;
}

export type HeaderGetter = (name: string) => string | undefined;

/** Reads the five auth headers into a request; BAD_SIGNATURE / BAD_REQUEST when absent or malformed. */
export function requestFromHeaders(action: DaAction, header: HeaderGetter): SignedRequest {
  const get = (name: string): string => {
    const value = header(name);
    if (value === undefined || value === "") throw daError("BAD_SIGNATURE", `missing header ${name}`);
    return value;
  };
  const timestamp = Number(get(AUTH_HEADERS.timestamp));
  if (!Number.isSafeInteger(timestamp))
    throw daError("BAD_REQUEST", `${AUTH_HEADERS.timestamp} must be unix seconds`);
  const nonce = get(AUTH_HEADERS.nonce);
  if (!/^[0-9a-zA-Z_-]{8,128}$/.test(nonce))
    throw daError("BAD_REQUEST", "nonce must be 8-128 url-safe characters");
  return {
    action,
    cid: get(AUTH_HEADERS.cid),
    owner: normaliseAddress(get(AUTH_HEADERS.owner)),
    timestamp,
    nonce,
    signature: get(AUTH_HEADERS.signature),
  };
}

/**
 * Checks a signed request: fresh timestamp, signature by the claimed owner, nonce not seen before.
 * The nonce is claimed last, so a request refused for another reason can be corrected and re-sent.
 */
export function verifyRequest(
  request: SignedRequest,
  nonces: NonceStore,
  opts: RequestVerifierOpts = {},
): string {
  const nowMs = (opts.now ?? Date.now)();
  const skew = opts.maxSkewSeconds ?? 300;
  if (Math.abs(nowMs / 1000 - request.timestamp) > skew) {
    throw daError(
      "STALE_REQUEST",
      `request timestamp ${request.timestamp} is more than ${skew}s from the provider's clock (${Math.floor(nowMs / 1000)})`,
    );
  }
  const signer = recoverPersonalSigner(requestMessage(request), request.signature);
  const owner = normaliseAddress(request.owner);
  if (signer !== owner) {
    throw daError("BAD_SIGNATURE", `signature is by ${signer}, not by the owner ${owner}`);
  }
  if (!nonces.claim(owner, request.nonce, nowMs + 2 * skew * 1000)) {
    throw daError("REPLAYED", `nonce ${request.nonce} of ${owner} was already used`);
  }
  return owner;
}

/** An in-memory nonce store, for tests and single-process use without persistence. */
export function createMemoryNonceStore(): NonceStore {
  const seen = new Map<string, number>();
  return {
    claim(owner, nonce, expiresAtMs) {
      const key = `${owner}/${nonce}`;
      if (seen.has(key)) return false;
      seen.set(key, expiresAtMs);
      return true;
    },
    prune(nowMs) {
      let removed = 0;
      for (const [key, expires] of seen) {
        if (expires < nowMs) {
          seen.delete(key);
          removed++;
        }
      }
      return removed;
    },
  };
}
