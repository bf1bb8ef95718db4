export type ContentIdErrorCode =
  /** The text or bytes are not a CID. */
  | "BAD_CID"
  /** A block's bytes do not hash to its CID. */
  | "CID_MISMATCH"
  /** A block the DAG links to could not be found. */
  | "MISSING_BLOCK"
  /** The CID uses a codec this package does not read (only raw and dag-pb). */
  | "UNSUPPORTED_CODEC"
  /** The CID uses a multihash this package cannot check (only sha2-256 and identity). */
  | "UNSUPPORTED_HASH"
  /** The blocks hash correctly but do not form a well-formed UnixFS file. */
  | "MALFORMED_DAG";

/** Every failure of this package carries one of the codes above. */
export class ContentIdError extends Error {
  readonly code: ContentIdErrorCode;
  constructor(code: ContentIdErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ContentIdError";
    this.code = code;
  }
}

export function isContentIdError(err: unknown, code?: ContentIdErrorCode): err is ContentIdError {
  return err instanceof ContentIdError && (code === undefined || err.code === code);
}
