/** The manifest every Darwin model ships with; AI nodes load models through it. */
export const MANIFEST_SCHEMA = "darwin-model-manifest/1";

export type TensorDtype = "float32" | "int64";

export interface TensorSpec {
  readonly name: string;
  readonly dtype: TensorDtype;
  /** Numbers are fixed sizes; strings name a free dimension (`batch`, `seq`). */
  readonly shape: readonly (number | string)[];
  /** Upper bounds of free dimensions, where the graph has one (e.g. `seq` <= context length). */
  readonly maxDims?: Readonly<Record<string, number>>;
  /** Inclusive bounds every value must lie in (e.g. token ids 0..255). */
  readonly range?: readonly [number, number];
}

export interface ManifestFile {
  /** Path relative to the manifest's folder. */
  readonly path: string;
  /** CIDv1 (raw leaf for one chunk, UnixFS dag-pb with raw leaves above), as `ipfs add --cid-version=1`. */
  readonly cid: string;
  readonly bytes: number;
  readonly role: "model" | "stage" | "weights";
}

export interface ManifestStage {
  readonly name: string;
  readonly file: string;
  readonly cid: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}

export interface ModelManifest {
  readonly schema: typeof MANIFEST_SCHEMA;
  readonly name: string;
  readonly version: string;
  readonly task: "classification" | "text-generation";
  readonly description: string;
  readonly license: string;
  readonly format: "onnx";
  readonly opset: number;
  readonly quantization: {
    readonly weights: "float32" | "int8" | "fixed-point";
    readonly activations: "float32" | "fixed-point";
    readonly note?: string;
  };
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** The ONNX file that runs the whole model. */
  readonly model: { readonly file: string; readonly cid: string; readonly bytes: number };
  /** Every file of the model, the model file included. */
  readonly files: readonly ManifestFile[];
  /** Pipeline stages in order, for models split across AI nodes. */
  readonly stages?: readonly ManifestStage[];
  /** Where the numbers came from and how good they are; informative. */
  readonly training: Readonly<Record<string, unknown>>;
  /** Model-specific facts a client needs (vocabulary, fixed-point scale...). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export class ManifestError extends Error {
  readonly code = "BAD_MANIFEST" as const;
}

function isTensorSpec(v: unknown): v is TensorSpec {
  if (typeof v !== "object" || v === null) return false;
  const t = v as Record<string, unknown>;
  return (
    typeof t.name === "string" &&
    (t.dtype === "float32" || t.dtype === "int64") &&
    Array.isArray(t.shape) &&
    t.shape.every((d) => (typeof d === "number" && Number.isInteger(d) && d > 0) || typeof d === "string")
  );
}

/** Parses and checks the parts of a manifest that an engine relies on; throws `ManifestError`. */
export function parseManifest(json: unknown): ModelManifest {
  const fail = (why: string): never => {
    throw new ManifestError(`invalid model manifest: ${why}`);
  };
  if (typeof json !== "object" || json === null) return fail("not an object");
  const m = json as Record<string, unknown>;
  if (m.schema !== MANIFEST_SCHEMA) fail(`schema is ${JSON.stringify(m.schema)}, want ${MANIFEST_SCHEMA}`);
  if (typeof m.name !== "string" || m.name === "") fail("no name");
  if (typeof m.version !== "string") fail("no version");
  if (m.format !== "onnx") fail("format must be onnx");
  if (!Array.isArray(m.inputs) || m.inputs.length === 0 || !m.inputs.every(isTensorSpec)) fail("bad inputs");
  if (!Array.isArray(m.outputs) || m.outputs.length === 0 || !m.outputs.every(isTensorSpec))
    fail("bad outputs");
  const model = m.model as Record<string, unknown> | undefined;
  if (
    typeof model !== "object" ||
    model === null ||
    typeof model.cid !== "string" ||
    typeof model.file !== "string"
  )
    fail("no model file");
  if (!Array.isArray(m.files)) fail("no files");
  return json as ModelManifest;
}

/** Stable JSON (sorted keys, two-space indent, final newline) so manifests are byte-reproducible. */
export function stableJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (typeof v === "object" && v !== null) {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}
