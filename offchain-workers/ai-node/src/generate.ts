// Token-by-token generation with a text-generation model (the byte-level LM): each step runs the
// whole graph over the last `context` bytes and picks the next byte from the last position's logits.
import { createPrng } from "@darwin/models";
import { Cause, Effect, Exit } from "effect";
import type { InferenceEngineShape } from "./engine.ts";
import { MalformedInput } from "./errors.ts";
import type { Tensor } from "./tensor.ts";

export const MAX_GENERATED_TOKENS = 1024;

export interface GenerateOpts {
  readonly model: string;
  readonly prompt: string;
  readonly maxTokens: number;
  /** 0 (default) picks the most likely byte; above 0 samples from softmax(logits / temperature). */
  readonly temperature?: number;
  /** Seed of the sampler, so sampled generations are reproducible. */
  readonly seed?: number;
}

export interface GeneratedToken {
  readonly index: number;
  readonly token: number;
  /** The text this byte completes (empty while a multi-byte UTF-8 character is unfinished). */
  readonly text: string;
  /** The commitment of the inference step that produced this token. */
  readonly commitment: string;
}

async function run<A, E>(effect: Effect.Effect<A, E>): Promise<A> {
  const exit = await Effect.runPromiseExit(effect);
  if (Exit.isSuccess(exit)) return exit.value;
  throw Cause.squash(exit.cause);
}

function pick(
  logits: Float32Array,
  offset: number,
  vocab: number,
  temperature: number,
  next: () => number,
): number {
  let best = 0;
  for (let j = 1; j < vocab; j++)
    if ((logits[offset + j] as number) > (logits[offset + best] as number)) best = j;
  if (temperature <= 0) return best;
  const max = logits[offset + best] as number;
  const weights = new Float64Array(vocab);
  let sum = 0;
  for (let j = 0; j < vocab; j++) {
    weights[j] = Math.exp(((logits[offset + j] as number) - max) / temperature);
    sum += weights[j] as number;
  }
  let u = next() * sum;
  for (let j = 0; j < vocab; j++) {
    u -= weights[j] as number;
    if (u <= 0) return j;
  }
  return best;
}

/** Yields generated tokens one by one; throws the engine's typed errors (MalformedInput, ...). */
export async function* generate(
  engine: InferenceEngineShape,
  opts: GenerateOpts,
): AsyncGenerator<GeneratedToken> {
  if (!Number.isInteger(opts.maxTokens) || opts.maxTokens < 1 || opts.maxTokens > MAX_GENERATED_TOKENS)
    throw new MalformedInput({ message: `maxTokens must be an integer in 1..${MAX_GENERATED_TOKENS}` });
  const temperature = opts.temperature ?? 0;
  if (!Number.isFinite(temperature) || temperature < 0 || temperature > 10)
    throw new MalformedInput({ message: "temperature must be in [0, 10]" });
  const info = await run(engine.load({ model: opts.model }));
  const input = info.inputs[0];
  const output = info.outputs[0];
  if (
    info.manifest.task !== "text-generation" ||
    info.inputs.length !== 1 ||
    input?.dtype !== "int64" ||
    !output
  )
    throw new MalformedInput({ message: `${info.label} is not a text-generation model` });
  const context = input.maxDims?.seq ?? 32;
  const vocab = typeof output.shape[2] === "number" ? output.shape[2] : 256;
  const tokens = Array.from(new TextEncoder().encode(opts.prompt));
  if (tokens.length === 0) throw new MalformedInput({ message: "the prompt is empty" });
  const rng = createPrng(opts.seed ?? 0);
  const decoder = new TextDecoder("utf-8", { fatal: false });
  for (let index = 0; index < opts.maxTokens; index++) {
    // In-process, an inference is answered synchronously, so without this hop a long generation would
    // hold the event loop for its whole length. One hop per token (~1 us) lets other requests and
    // streams take turns, and lets concurrent streams meet in one dynamic batch.
    if (index > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const window = tokens.slice(-context);
    const feed: Tensor = {
      dtype: "int64",
      shape: [1, window.length],
      data: BigInt64Array.from(window, (b) => BigInt(b)),
    };
    const result = await run(engine.infer({ model: info.model, inputs: { [input.name]: feed } }));
    const logits = result.outputs[output.name]?.data as Float32Array;
    const token = pick(logits, (window.length - 1) * vocab, vocab, temperature, rng.next);
    tokens.push(token);
    yield {
      index,
      token,
      text: decoder.decode(Uint8Array.of(token), { stream: true }),
      commitment: result.commitment,
    };
  }
}
