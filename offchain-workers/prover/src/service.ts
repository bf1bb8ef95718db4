// The Prover service: classifies inputs with the default classifier's exact integer model and, when
// the request's tier asks for it, proves the answers with Groth16 (one inference, or batches of 8 or
// 32 in one proof), estimating the cost (constraints, expected seconds) before proving.
import {
  analyzeMlp,
  answerFromAccumulators,
  type CircuitInfo,
  type CircuitInput,
  classifierInput,
  defaultClassifierMlp,
  FixedPointRangeError,
  type MlpAnalysis,
  type MlpTrace,
  mlpForward,
  type QuantizedMlp,
  WitnessError,
} from "@darwin/circuits";
import { Counter, Histogram, type Logger, type Registry, silentLogger } from "@darwin/observability";
import { Context, Effect, Layer } from "effect";
import { classifierIoHash } from "./commitment.ts";
import { InvalidProofRequest, type ProverError, ProvingFailed, UnknownCircuit } from "./errors.ts";
import { createGroth16Engine, type Groth16Engine, type ProofBundle } from "./groth16.ts";

/** "none": answers only (cheap, everyday queries). "groth16": answers with zero-knowledge proofs. */
export type ProofTier = "none" | "groth16";

export interface ClassifyRequest {
  /** Quantized inputs (unsigned, at the model's scale), one vector per inference. */
  readonly inputs: readonly (readonly bigint[])[];
  readonly tier: ProofTier;
}

export interface ClassifyAnswer {
  readonly input: readonly bigint[];
  /**
   * The last layer's raw accumulators (scale 2^(2s)): what a proof's ioHash binds. Logits and label
   * are functions of them (answerFromAccumulators), checked by verifyClassification.
   */
  readonly accumulators: readonly bigint[];
  readonly logits: readonly bigint[];
  readonly label: number;
}

export interface PlannedProof {
  readonly circuit: string;
  /** Real inferences in this proof (the rest of the batch is padding). */
  readonly inferences: number;
  readonly batch: number;
  readonly constraints: number;
  readonly expectedSeconds: number;
}

export interface ProofEstimate {
  readonly tier: ProofTier;
  readonly proofs: readonly PlannedProof[];
  readonly constraints: number;
  readonly expectedSeconds: number;
}

export interface ClassifierProof extends ProofBundle {
  /** Indices of the request's inputs this proof covers, in batch order. */
  readonly indices: readonly number[];
  /** The padding inputs (all zero) that fill the batch after the real ones. */
  readonly padding: number;
  readonly provingMs: number;
}

export interface ClassifyOutcome {
  readonly answers: readonly ClassifyAnswer[];
  readonly estimate: ProofEstimate;
  readonly proofs: readonly ClassifierProof[];
}

export interface ProverShape {
  readonly estimate: (req: ClassifyRequest) => Effect.Effect<ProofEstimate, ProverError>;
  readonly classify: (req: ClassifyRequest) => Effect.Effect<ClassifyOutcome, ProverError>;
  /** Checks a classifier proof against claimed answers: the ioHash they imply, then the proof. */
  readonly verifyClassification: (
    proof: ProofBundle,
    answers: readonly ClassifyAnswer[],
    padding: number,
  ) => Effect.Effect<boolean, ProverError>;
  /** Any committed circuit, raw input. */
  readonly prove: (circuit: string, input: CircuitInput) => Effect.Effect<ProofBundle, ProverError>;
  readonly verify: (proof: ProofBundle) => Effect.Effect<boolean, ProverError>;
  readonly circuitInfo: (circuit: string) => Effect.Effect<CircuitInfo, ProverError>;
}

export class Prover extends Context.Service<Prover, ProverShape>()("@darwin/prover/Prover") {}

/** Classifier circuits by batch size, smallest first. */
export const CLASSIFIER_CIRCUITS: readonly { readonly circuit: string; readonly batch: number }[] = [
  { circuit: "classifier", batch: 1 },
  { circuit: "classifier_b8", batch: 8 },
  { circuit: "classifier_b32", batch: 32 },
];

/**
 * Expected proving seconds before any proof of a circuit was observed: a fixed part plus a part per
 * constraint, fitted to `npm run bench -- specter` on the 2-core reference machine (BENCHMARKS.md).
 * After each proof the estimate follows the observed times (exponential moving average).
 */
export interface CostModel {
  readonly fixedSeconds: number;
  readonly secondsPerConstraint: number;
}

// Darwin's prover (batch-affine MSMs), 2026-11-25: 1,091 constraints in 0.093 s, 7,441 in 0.245 s,
// 29,536 in 0.735 s; 13,976 (attention) in 0.40 s and 15,105 (private weights) in 0.43 s.
export const DEFAULT_COST_MODEL: CostModel = { fixedSeconds: 0.07, secondsPerConstraint: 22.5e-6 };

export interface ProverOpts {
  readonly mlp?: QuantizedMlp;
  readonly costModel?: CostModel;
  /** Circuits available for classifier proofs (default: those with a committed setup). */
  readonly classifierCircuits?: readonly { readonly circuit: string; readonly batch: number }[];
}

export interface ProverModules {
  readonly engine?: Groth16Engine;
  readonly logger?: Logger;
  readonly registry?: Registry;
}

export interface ProverHandle extends ProverShape {
  readonly close: () => Promise<void>;
}

const toError =
  (circuit: string) =>
  (e: unknown): ProverError => {
    if (e instanceof WitnessError || e instanceof FixedPointRangeError)
      return new InvalidProofRequest({ message: e.message });
    if (e instanceof Error && "code" in e && e.code === "MISSING_SETUP")
      return new UnknownCircuit({ circuit, message: e.message });
    return new ProvingFailed({ circuit, message: e instanceof Error ? e.message : String(e) });
  };

export function createProver(opts: ProverOpts = {}, modules: ProverModules = {}): ProverHandle {
  const mlp = opts.mlp ?? defaultClassifierMlp();
  // The classify path's circuits compile the weights in: their widths and io layout are the weights' own.
  const analysis: MlpAnalysis = analyzeMlp(mlp);
  const engine = modules.engine ?? createGroth16Engine();
  const log = (modules.logger ?? silentLogger()).child({ module: "prover" });
  const cost = opts.costModel ?? DEFAULT_COST_MODEL;
  const registers = modules.registry ? [modules.registry] : [];
  const proveSeconds = new Histogram({
    name: "darwin_specter_prove_seconds",
    help: "Groth16 proving wall time (witness + proof) per proof",
    labelNames: ["circuit"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32],
    registers,
  });
  const proofsTotal = new Counter({
    name: "darwin_specter_proofs_total",
    help: "Proofs made, by circuit and outcome",
    labelNames: ["circuit", "outcome"] as const,
    registers,
  });
  const observed = new Map<string, number>();
  const classifierCircuits = (opts.classifierCircuits ?? CLASSIFIER_CIRCUITS).filter((c) =>
    engine.hasCircuit(c.circuit),
  );

  const expectedSeconds = (info: CircuitInfo): number =>
    observed.get(info.name) ?? cost.fixedSeconds + cost.secondsPerConstraint * info.constraints;

  const plan = (n: number): PlannedProof[] => {
    if (classifierCircuits.length === 0) return [];
    const infos = classifierCircuits.map((c) => ({ ...c, info: engine.info(c.circuit) }));
    const proofs: PlannedProof[] = [];
    let left = n;
    while (left > 0) {
      // The cheapest way to cover the next chunk: one proof of the batch circuit that fits (padding
      // the rest), or, for a chunk smaller than a batch, single proofs when they cost less.
      let best: { cost: number; proofs: PlannedProof[] } | undefined;
      for (const c of infos) {
        const take = Math.min(left, c.batch);
        const one: PlannedProof = {
          circuit: c.circuit,
          inferences: take,
          batch: c.batch,
          constraints: c.info.constraints,
          expectedSeconds: expectedSeconds(c.info),
        };
        // Cost per inference covered, so larger batches win when they amortise.
        const perInference = one.expectedSeconds / take;
        if (!best || perInference < best.cost) best = { cost: perInference, proofs: [one] };
      }
      const chosen = (best as { proofs: PlannedProof[] }).proofs[0] as PlannedProof;
      proofs.push(chosen);
      left -= chosen.inferences;
    }
    return proofs;
  };

  const estimateSync = (req: ClassifyRequest): ProofEstimate => {
    const proofs = req.tier === "groth16" ? plan(req.inputs.length) : [];
    return {
      tier: req.tier,
      proofs,
      constraints: proofs.reduce((a, p) => a + p.constraints, 0),
      expectedSeconds: proofs.reduce((a, p) => a + p.expectedSeconds, 0),
    };
  };

  const validate = (req: ClassifyRequest): Effect.Effect<MlpTrace[], ProverError> =>
    Effect.try({
      try: () => {
        if (req.inputs.length === 0) throw new FixedPointRangeError("a request needs at least one input");
        if (req.tier === "groth16" && classifierCircuits.length === 0) {
          throw new Error("no classifier circuit has a committed setup");
        }
        return req.inputs.map((x) => mlpForward(mlp, analysis, x));
      },
      catch: (e) =>
        e instanceof FixedPointRangeError
          ? new InvalidProofRequest({ message: e.message })
          : new UnknownCircuit({
              circuit: "classifier",
              message: e instanceof Error ? e.message : String(e),
            }),
    });

  const proveRaw = (circuit: string, input: CircuitInput) =>
    Effect.tryPromise({
      try: async () => {
        const t0 = performance.now();
        const { bundle, timings } = await engine.prove(circuit, input);
        const seconds = (performance.now() - t0) / 1000;
        proveSeconds.observe({ circuit }, seconds);
        proofsTotal.inc({ circuit, outcome: "proved" });
        const prev = observed.get(circuit);
        observed.set(circuit, prev === undefined ? seconds : 0.7 * prev + 0.3 * seconds);
        log.debug({ circuit, witnessMs: timings.witnessMs, proveMs: timings.proveMs }, "proved");
        return { bundle, ms: timings.witnessMs + timings.proveMs };
      },
      catch: (e) => {
        proofsTotal.inc({ circuit, outcome: "failed" });
        return toError(circuit)(e);
      },
    }).pipe(Effect.withSpan("specter.prove", { attributes: { circuit } }));

  const zero = Array.from({ length: analysis.inputs }, () => 0n);

  const shape: ProverShape = {
    estimate: (req) => Effect.sync(() => estimateSync(req)),
    classify: (req) =>
      Effect.gen(function* () {
        const traces = yield* validate(req);
        const answers: ClassifyAnswer[] = req.inputs.map((input, i) => {
          const t = traces[i] as MlpTrace;
          return { input, accumulators: t.outputAcc, logits: t.logits, label: t.label };
        });
        const estimate = estimateSync(req);
        const proofs: ClassifierProof[] = [];
        let next = 0;
        for (const p of estimate.proofs) {
          const indices = Array.from({ length: p.inferences }, (_, k) => next + k);
          next += p.inferences;
          const padding = p.batch - p.inferences;
          const batchInputs = [
            ...indices.map((i) => req.inputs[i] as bigint[]),
            ...Array.from({ length: padding }, () => zero),
          ];
          const { bundle, ms } = yield* proveRaw(
            p.circuit,
            classifierInput(mlp, { batch: p.batch, io: "committed", weights: "constant" }, batchInputs),
          );
          proofs.push({ ...bundle, indices, padding, provingMs: ms });
        }
        return { answers, estimate, proofs };
      }).pipe(
        Effect.withSpan("specter.classify", {
          attributes: { inferences: req.inputs.length, tier: req.tier },
        }),
      ),
    verifyClassification: (proof, answers, padding) =>
      Effect.tryPromise({
        try: async () => {
          const inputs = [...answers.map((a) => a.input), ...Array.from({ length: padding }, () => zero)];
          // The hash binds inputs and accumulators; the claimed logits and label must be what those
          // accumulators give.
          for (const a of answers) {
            let derived: { readonly logits: readonly bigint[]; readonly label: number };
            try {
              derived = answerFromAccumulators(mlp, analysis, a.accumulators);
            } catch (e) {
              // Accumulators no admissible input produces: not a proof of this answer.
              if (e instanceof FixedPointRangeError) return false;
              throw e;
            }
            if (
              derived.label !== a.label ||
              derived.logits.length !== a.logits.length ||
              derived.logits.some((l, o) => l !== a.logits[o])
            )
              return false;
          }
          // Padding entries are recomputed.
          const traces = inputs.map((x, i) => {
            const claimed = answers[i];
            return claimed ? { outputAcc: claimed.accumulators } : mlpForward(mlp, analysis, x);
          });
          const ioHash = await classifierIoHash(mlp, analysis, inputs, traces);
          if (proof.publicSignals.length !== 1 || proof.publicSignals[0] !== ioHash.toString()) return false;
          return engine.verify(proof);
        },
        catch: toError(proof.circuit),
      }).pipe(Effect.withSpan("specter.verifyClassification")),
    prove: (circuit, input) =>
      Effect.gen(function* () {
        if (!engine.hasCircuit(circuit)) {
          return yield* Effect.fail(
            new UnknownCircuit({ circuit, message: `no committed setup for circuit ${circuit}` }),
          );
        }
        return (yield* proveRaw(circuit, input)).bundle;
      }),
    verify: (proof) =>
      Effect.tryPromise({ try: () => engine.verify(proof), catch: toError(proof.circuit) }).pipe(
        Effect.withSpan("specter.verify", { attributes: { circuit: proof.circuit } }),
      ),
    circuitInfo: (circuit) =>
      Effect.try({
        try: () => engine.info(circuit),
        catch: (e) => new UnknownCircuit({ circuit, message: e instanceof Error ? e.message : String(e) }),
      }),
  };
  return { ...shape, close: () => engine.close() };
}

/** The live layer: one warm engine for the layer's lifetime, its curve workers released at the end. */
export function proverLayer(opts: ProverOpts = {}, modules: ProverModules = {}): Layer.Layer<Prover> {
  return Layer.effect(
    Prover,
    Effect.acquireRelease(
      Effect.sync(() => createProver(opts, modules)),
      (prover) => Effect.promise(() => prover.close()),
    ),
  );
}

/**
 * A test layer that answers without proving: classify runs the exact integer model and returns no
 * proofs, estimate plans as the live layer would; prove/verify fail with ProvingFailed. For consumers
 * of the Prover that test their own logic.
 */
export function proverTestLayer(opts: { readonly mlp?: QuantizedMlp } = {}): Layer.Layer<Prover> {
  return Layer.sync(Prover, () => {
    const mlp = opts.mlp ?? defaultClassifierMlp();
    const analysis = analyzeMlp(mlp);
    const noProofs = (circuit: string) =>
      new ProvingFailed({ circuit, message: "the test prover makes no proofs" });
    return {
      estimate: (req) => Effect.succeed({ tier: req.tier, proofs: [], constraints: 0, expectedSeconds: 0 }),
      classify: (req) =>
        Effect.try({
          try: () => ({
            answers: req.inputs.map((input) => {
              const t = mlpForward(mlp, analysis, input);
              return { input, accumulators: t.outputAcc, logits: t.logits, label: t.label };
            }),
            estimate: { tier: req.tier, proofs: [], constraints: 0, expectedSeconds: 0 },
            proofs: [],
          }),
          catch: (e) => new InvalidProofRequest({ message: e instanceof Error ? e.message : String(e) }),
        }),
      verifyClassification: (proof) => Effect.fail(noProofs(proof.circuit)),
      prove: (circuit) => Effect.fail(noProofs(circuit)),
      verify: (proof) => Effect.fail(noProofs(proof.circuit)),
      circuitInfo: (circuit) =>
        Effect.fail(new UnknownCircuit({ circuit, message: "the test prover has no circuits" })),
    };
  });
}
