import { Data } from "effect";

// The engine's typed failures. Every one carries a human-readable `message`; HTTP answers use the
// `_tag` as the error code.

/** No model with that reference: not loaded, and the DA provider does not have it either. */
export class UnknownModel extends Data.TaggedError("UnknownModel")<{
  readonly model: string;
  readonly message: string;
}> {}

/** Bytes from the DA provider do not hash to the CID they were asked for (or the DAG is malformed). */
export class CidMismatch extends Data.TaggedError("CidMismatch")<{
  readonly cid: string;
  readonly message: string;
}> {}

/** The request's tensors do not fit the model: names, dtypes, shapes, sizes or values. */
export class MalformedInput extends Data.TaggedError("MalformedInput")<{
  readonly message: string;
}> {}

/** onnxruntime refused the model or failed while running it. */
export class OrtFailure extends Data.TaggedError("OrtFailure")<{
  readonly message: string;
}> {}

/** The operation did not finish within its deadline. */
export class Timeout extends Data.TaggedError("Timeout")<{
  readonly operation: string;
  readonly ms: number;
  readonly message: string;
}> {}

/** The DA provider could not be reached or answered with an error other than "not found". */
export class SourceFailure extends Data.TaggedError("SourceFailure")<{
  readonly cid: string;
  readonly message: string;
}> {}

export type LoadError = UnknownModel | CidMismatch | OrtFailure | Timeout | SourceFailure | MalformedInput;
export type InferenceError = LoadError;

export const ERROR_HTTP_STATUS: Readonly<Record<InferenceError["_tag"], number>> = {
  UnknownModel: 404,
  MalformedInput: 400,
  CidMismatch: 502,
  SourceFailure: 502,
  OrtFailure: 422,
  Timeout: 504,
};
