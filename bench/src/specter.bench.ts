// SPECTER: constraints, witness, proving, off-chain verification and on-chain gas for the default
// classifier (single and batched N = 1, 8, 32) and the attention block, from the committed
// development setup, with one warm snarkjs instance. References measured in the same run: proving N
// classifier inferences one by one; the bare verifier call beside the registry's submitProof.
// Run: npm run bench -- specter   (SPECTER_BENCH_RUNS=<n> samples per circuit, default 7; the
// classifier circuits whose times are compared are sampled interleaved, see measureInterleaved)
import {
  CLASSIFIER_PRIVATE_MODE,
  circuitArtifacts,
  classifierInput,
  DEFAULT_ATTENTION,
  defaultClassifierMlp,
} from "@darwin/circuits";
import { createLocalEvm, loadArtifact } from "@darwin/contracts";
import { classifierTestSet, defaultClassifier, quantizeInput } from "@darwin/models";
import {
  checkAgreement,
  commitmentSignalIndex,
  createGroth16Engine,
  modelCommitment,
  type ProofBundle,
  parseOnnxMlp,
  proofCalldata,
  quantizeMlp,
} from "@darwin/prover";
import { type Abi, encodeFunctionData, type Hex } from "viem";
import { percentile, printTable, type Row, timeMs } from "./harness.ts";

const runs = Number(process.env.SPECTER_BENCH_RUNS ?? 7);
const engine = createGroth16Engine();
const test = classifierTestSet();
const pixels = (i: number): bigint[] =>
  Array.from(quantizeInput(test.inputs.subarray(i * 49, (i + 1) * 49)), BigInt);
const median = (xs: number[]): number => percentile(xs, 50);
const mlp = defaultClassifierMlp();

interface Measured {
  readonly circuit: string;
  readonly constraints: number;
  readonly coldProveMs: number;
  readonly witnessMs: number;
  readonly proveMs: number;
  readonly verifyMs: number;
  readonly bundle: ProofBundle;
}

/**
 * Proves each circuit `runs` times, interleaved (one proof of each per round), after one cold proof
 * each: the machine is shared and its load moves within seconds, so circuits whose times are compared
 * (a batch against single proofs) must be sampled over the same stretch of time.
 */
async function measureInterleaved(
  circuits: readonly { readonly circuit: string; readonly input: (run: number) => Record<string, unknown> }[],
): Promise<Measured[]> {
  const state = [];
  for (const { circuit, input } of circuits) {
    const cold = await engine.prove(circuit, input(0));
    state.push({
      circuit,
      input,
      coldMs: cold.timings.witnessMs + cold.timings.proveMs,
      bundle: cold.bundle,
      witness: [] as number[],
      prove: [] as number[],
      verify: [] as number[],
    });
  }
  for (let r = 1; r <= runs; r++) {
    for (const c of state) {
      const p = await engine.prove(c.circuit, c.input(r));
      c.witness.push(p.timings.witnessMs);
      c.prove.push(p.timings.witnessMs + p.timings.proveMs);
      c.bundle = p.bundle;
      c.verify.push(
        await timeMs(async () => {
          if (!(await engine.verify(p.bundle))) throw new Error(`${c.circuit}: proof does not verify`);
        }),
      );
    }
  }
  return state.map((c) => ({
    circuit: c.circuit,
    constraints: engine.info(c.circuit).constraints,
    coldProveMs: c.coldMs,
    witnessMs: median(c.witness),
    proveMs: median(c.prove),
    verifyMs: median(c.verify),
    bundle: c.bundle,
  }));
}

/** One circuit on its own (nothing to compare it with over the same stretch of time). */
async function measure(circuit: string, input: (run: number) => Record<string, unknown>): Promise<Measured> {
  return (await measureInterleaved([{ circuit, input }]))[0] as Measured;
}

const classifierBatch = (n: number) => (run: number) => ({
  x: Array.from({ length: n }, (_, i) => pixels(run * 37 + i)),
});
const attentionInput = (run: number) => ({
  x: Array.from({ length: DEFAULT_ATTENTION.seq }, (_, l) =>
    Array.from(
      { length: DEFAULT_ATTENTION.dim },
      (_, j) => BigInt(((l * 37 + j * 11 + run * 5) % 97) - 48) * 5n,
    ),
  ),
});

// The first proof of the process pays the curve setup (and the JIT warms up over the next few):
// measure that cold proof, then warm up before timing anything.
const firstProofMs = await timeMs(() => engine.prove("classifier", classifierBatch(1)(11)));
for (let w = 0; w < 4; w++) await engine.prove("classifier_public", classifierBatch(1)(12 + w));
const [single, b8, b32] = (await measureInterleaved([
  { circuit: "classifier", input: classifierBatch(1) },
  { circuit: "classifier_b8", input: classifierBatch(8) },
  { circuit: "classifier_b32", input: classifierBatch(32) },
])) as [Measured, Measured, Measured];
const attention = await measure("attention", attentionInput);
const priv = await measure("classifier_private", (run) =>
  classifierInput(mlp, CLASSIFIER_PRIVATE_MODE, [pixels(run)]),
);
const pub = await measure("classifier_public", classifierBatch(1));

// Gas: each verifier directly, and the registry's submitProof (verification + replay bookkeeping + event).
const evm = await createLocalEvm();
const registryArtifact = loadArtifact("SpecterRegistry");
const registryAbi = registryArtifact.abi as Abi;
const registry = (await evm.deploy(registryArtifact)).address;
async function gas(m: Measured): Promise<{ verify: bigint; submit: bigint }> {
  const info = circuitArtifacts(m.circuit).info;
  const artifact = loadArtifact(info.verifierContract);
  const verifier = (await evm.deploy(artifact)).address;
  const p = proofCalldata(m.bundle.proof);
  const signals = m.bundle.publicSignals.map(BigInt);
  const direct = await evm.call(
    verifier,
    encodeFunctionData({
      abi: artifact.abi as Abi,
      functionName: "verifyProof",
      args: [
        [p[0], p[1]],
        [
          [p[2], p[3]],
          [p[4], p[5]],
        ],
        [p[6], p[7]],
        signals,
      ],
    }),
    { isStatic: true },
  );
  const commitment: Hex = await modelCommitment(circuitArtifacts(m.circuit), mlp);
  const commitmentSignal = commitmentSignalIndex(info.classifier) ?? 2 ** 32 - 1;
  await evm.call(
    registry,
    encodeFunctionData({
      abi: registryAbi,
      functionName: "registerModel",
      args: [commitment, verifier, signals.length, commitmentSignal],
    }),
  );
  const submitted = await evm.call(
    registry,
    encodeFunctionData({ abi: registryAbi, functionName: "submitProof", args: [commitment, signals, p] }),
  );
  return { verify: direct.transactionGas, submit: submitted.transactionGas };
}
const gasOf = new Map<string, { verify: bigint; submit: bigint }>();
for (const m of [single, b8, b32, attention, pub, priv]) gasOf.set(m.circuit, await gas(m));

const rows = (m: Measured, n: number): Row[] => {
  const g = gasOf.get(m.circuit);
  return [
    { name: `${m.circuit}: constraints`, value: m.constraints, unit: "" },
    { name: `${m.circuit}: witness`, value: m.witnessMs, unit: "ms" },
    {
      name: `${m.circuit}: prove warm (witness + Groth16)`,
      value: m.proveMs,
      unit: "ms",
      ...(n > 1 ? { reference: { name: `${n} single proofs`, value: n * single.proveMs } } : {}),
    },
    ...(n > 1
      ? [
          {
            name: `${m.circuit}: prove per inference`,
            value: m.proveMs / n,
            unit: "ms",
            reference: { name: "one by one", value: single.proveMs },
          },
        ]
      : []),
    {
      name: `${m.circuit}: first proof of this circuit (loads zkey + wasm)`,
      value: m.coldProveMs,
      unit: "ms",
    },
    { name: `${m.circuit}: verify off chain`, value: m.verifyMs, unit: "ms" },
    ...(g
      ? [
          { name: `${m.circuit}: verifier gas (tx)`, value: Number(g.verify), unit: "gas" },
          {
            name: `${m.circuit}: SpecterRegistry.submitProof gas (tx)`,
            value: Number(g.submit),
            unit: "gas",
            reference: { name: "bare verifier", value: Number(g.verify) },
          },
          ...(n > 1
            ? [
                {
                  name: `${m.circuit}: submitProof gas per inference`,
                  value: Number(g.submit) / n,
                  unit: "gas",
                  reference: { name: "one by one", value: Number(gasOf.get("classifier")?.submit ?? 0n) },
                },
              ]
            : []),
        ]
      : []),
  ];
};

printTable("SPECTER default classifier (49->16->10 MLP), Groth16, snarkjs 0.7.6, warm", [
  { name: "first proof in a fresh process (curve setup, classifier)", value: firstProofMs, unit: "ms" },
  ...rows(single, 1),
  ...rows(b8, 8),
  ...rows(b32, 32),
]);
printTable("SPECTER attention block (1 head, seq 8, dim 16)", rows(attention, 1));
printTable("SPECTER proof modes of the classifier (N = 1)", [...rows(pub, 1), ...rows(priv, 1)]);

// The compiled circuit against onnxruntime on the whole held-out set (witnesses of classifier_public).
const onnx = defaultClassifier().onnx;
const float = parseOnnxMlp(onnx);
const agreement = await checkAgreement({ onnx, float, mlp: quantizeMlp(float), data: test, engine });
printTable(`SPECTER classifier circuit vs onnxruntime, ${agreement.samples} held-out digits`, [
  {
    name: "label agreement (circuit argmax = onnxruntime argmax)",
    value: agreement.labelAgreement * 100,
    unit: "%",
  },
  { name: "samples within their quantization bound", value: agreement.withinBound, unit: "" },
  {
    name: "max abs(circuit logit - onnxruntime logit)",
    value: agreement.maxAbsError,
    unit: "",
    reference: { name: "largest per-sample bound", value: agreement.maxSampleBound },
  },
  { name: "worst-case bound over all inputs", value: agreement.worstCaseBound, unit: "" },
  {
    name: "accuracy, circuit",
    value: agreement.circuitAccuracy * 100,
    unit: "%",
    reference: { name: "onnxruntime float32", value: agreement.onnxAccuracy * 100 },
  },
]);
await engine.close();
process.exit(0);
