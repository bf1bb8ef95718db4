// SPECTER on a real chain: a proof made by the Prover is verified by the Groth16 verifier and
// SpecterRegistry deployed on a real `darwin-node --dev`, through its Ethereum JSON-RPC with viem.
import { circuitArtifacts } from "@darwin/circuits";
import { loadArtifact } from "@darwin/contracts";
import { classifierTestSet, defaultClassifier } from "@darwin/models";
import { createRegistry } from "@darwin/observability";
import { type DarwinNodeHandle, startDarwinNode } from "@darwin/test-utils";
import { afterAll, beforeAll, describe, expect, layer } from "@effect/vitest";
import { Effect } from "effect";
import * as ort from "onnxruntime-node";
import {
  type Abi,
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  parseEventLogs,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { modelCommitment } from "../src/commitment.ts";
import { parseOnnxMlp, quantizeInputs, quantizeMlp } from "../src/compiler.ts";
import { proofCalldata } from "../src/groth16.ts";
import { Prover, proverLayer } from "../src/service.ts";

const ALITH_KEY = "0x5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133";
const model = defaultClassifier();
const float = parseOnnxMlp(model.onnx);
const mlp = quantizeMlp(float, { scaleBits: 8, inputMax: 1, name: "darwin-mnist-mlp" });
const test = classifierTestSet();

let node: DarwinNodeHandle;
beforeAll(async () => {
  node = await startDarwinNode(["--dev", "--sealing", "200"]);
});
afterAll(async () => {
  await node?.stop();
});

function clients() {
  const chain = defineChain({
    id: 4242,
    name: "darwin-dev",
    nativeCurrency: { name: "DNA", symbol: "DNA", decimals: 18 },
    rpcUrls: { default: { http: [node.httpUrl] } },
  });
  const account = privateKeyToAccount(ALITH_KEY);
  return {
    account,
    publicClient: createPublicClient({ chain, transport: http(node.httpUrl) }),
    walletClient: createWalletClient({ chain, account, transport: http(node.httpUrl) }),
  };
}

async function deploy(name: string, args: readonly unknown[] = []): Promise<Hex> {
  const { publicClient, walletClient } = clients();
  const artifact = loadArtifact(name);
  const hash = await walletClient.deployContract({
    abi: artifact.abi as Abi,
    bytecode: artifact.bytecode as Hex,
    args,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return receipt.contractAddress as Hex;
}

layer(proverLayer({ mlp }, { registry: createRegistry() }), { timeout: 180_000 })(
  "SPECTER on darwin-node",
  (it) => {
    describe("verification through the node's EVM", () => {
      it.effect(
        "onnxruntime's answer, proved, is accepted once; a replay, a tampered proof and another statement are refused",
        () =>
          Effect.gen(function* () {
            const prover = yield* Prover;
            const digit = test.inputs.subarray(3 * 49, 4 * 49);
            // onnxruntime's label for the digit, which the proved answer must carry.
            const session = yield* Effect.promise(() => ort.InferenceSession.create(model.onnx));
            const out = yield* Effect.promise(() =>
              session.run({
                [float.inputName]: new ort.Tensor("float32", Float32Array.from(digit), [1, 49]),
              }),
            );
            yield* Effect.promise(() => session.release());
            const onnxLogits = Array.from((out[float.outputName] as ort.Tensor).data as Float32Array);
            const outcome = yield* prover.classify({ inputs: [quantizeInputs(digit)], tier: "groth16" });
            const proof = outcome.proofs[0];
            const answer = outcome.answers[0];
            if (!proof || !answer) throw new Error("no proof");
            expect(answer.label).toBe(onnxLogits.indexOf(Math.max(...onnxLogits)));
            expect(yield* prover.verifyClassification(proof, [answer], 0)).toBe(true);

            const { publicClient, walletClient } = clients();
            const registryAbi = loadArtifact("SpecterRegistry").abi as Abi;
            const verifier = yield* Effect.promise(() => deploy("ClassifierVerifier"));
            const registry = yield* Effect.promise(() => deploy("SpecterRegistry"));
            const commitment = yield* Effect.promise(() => modelCommitment(circuitArtifacts("classifier")));
            const reg = yield* Effect.promise(() =>
              walletClient.writeContract({
                address: registry,
                abi: registryAbi,
                functionName: "registerModel",
                args: [commitment, verifier, 1, 2 ** 32 - 1],
              }),
            );
            yield* Effect.promise(() => publicClient.waitForTransactionReceipt({ hash: reg }));

            const args = [commitment, proof.publicSignals.map(BigInt), proofCalldata(proof.proof)] as const;
            const revertName = (call: Promise<unknown>) =>
              call.then(
                () => "accepted",
                (err: unknown) => {
                  const revert =
                    err instanceof BaseError
                      ? err.walk((e) => e instanceof ContractFunctionRevertedError)
                      : undefined;
                  return revert instanceof ContractFunctionRevertedError
                    ? (revert.data?.errorName ?? "reverted")
                    : String(err);
                },
              );
            const simulate = (a: typeof args) =>
              publicClient.simulateContract({
                address: registry,
                abi: registryAbi,
                functionName: "submitProof",
                args: a,
                account: clients().account,
              });
            // Before the real submission, so that these statements are new to the registry: a proof
            // with one bit changed, and the proof offered for another statement, both fail verification.
            const tampered = [...args[2]] as bigint[];
            tampered[0] = (tampered[0] as bigint) ^ 1n;
            const bad = [args[0], args[1], tampered] as unknown as typeof args;
            expect(yield* Effect.promise(() => revertName(simulate(bad)))).toBe("InvalidProof");
            // The same proof for another statement (the io hash one higher) is not a proof of it.
            const signals = [...args[1]] as bigint[];
            signals[0] = (signals[0] as bigint) + 1n;
            const otherStatement = [args[0], signals, args[2]] as unknown as typeof args;
            expect(yield* Effect.promise(() => revertName(simulate(otherStatement)))).toBe("InvalidProof");
            const gas = yield* Effect.promise(() =>
              publicClient.estimateContractGas({
                address: registry,
                abi: registryAbi,
                functionName: "submitProof",
                args,
                account: clients().account,
              }),
            );
            expect(gas).toBeLessThan(300_000n);
            const sent = yield* Effect.promise(() =>
              walletClient.writeContract({
                address: registry,
                abi: registryAbi,
                functionName: "submitProof",
                args,
              }),
            );
            const receipt = yield* Effect.promise(() =>
              publicClient.waitForTransactionReceipt({ hash: sent }),
            );
            expect(receipt.status).toBe("success");
            // The node charges a real transaction (cold model slot, cold verifier account, the replay
            // record's fresh slot): SPECTER's target is verification under 250k gas.
            expect(receipt.gasUsed).toBeLessThan(250_000n);
            const events = parseEventLogs({
              abi: registryAbi,
              logs: receipt.logs,
              eventName: "InferenceVerified",
            });
            expect(events).toHaveLength(1);
            expect(yield* Effect.promise(() => revertName(simulate(args)))).toBe("Replayed");
          }),
      );
    });
  },
);
