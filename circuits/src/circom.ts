// Compiling circuits with the circom2 WebAssembly compiler and computing witnesses in process.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
// circom_runtime ships no types; its default export builds a witness calculator from the wasm bytes.
// @ts-expect-error untyped module
import { WitnessCalculatorBuilder as witnessCalculatorBuilder } from "circom_runtime";

/** circuits/ (this package). */
export const circuitsRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The repository root: circom2 runs here so `-l node_modules` finds circomlib (includes must lie under cwd). */
export const repoRoot: string = resolve(circuitsRoot, "..");

const ANSI_ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

export class CircomCompileError extends Error {
  readonly code = "CIRCOM_COMPILE" as const;
  readonly output: string;
  constructor(message: string, output: string) {
    super(message);
    this.name = "CircomCompileError";
    this.output = output;
  }
}

export interface CompiledCircuit {
  readonly name: string;
  readonly r1cs: string;
  readonly wasm: string;
  readonly sym: string;
  readonly constraints: number;
  readonly wires: number;
  readonly publicInputs: number;
  readonly publicOutputs: number;
}

export interface CompileOptions {
  /** Output folder (created). */
  readonly outDir: string;
  /** circom's simplification level; O2 removes every linear constraint (the default here). */
  readonly optimization?: "O0" | "O1" | "O2";
}

/** Compiles `source` (a .circom path) with circom2 into r1cs + wasm + sym under `outDir`. */
export async function compileCircuit(source: string, opts: CompileOptions): Promise<CompiledCircuit> {
  mkdirSync(opts.outDir, { recursive: true });
  const require = createRequire(import.meta.url);
  const cli = require.resolve("circom2/cli.js");
  const args = [
    cli,
    relative(repoRoot, resolve(source)),
    "--r1cs",
    "--wasm",
    "--sym",
    `--${opts.optimization ?? "O2"}`,
    "-l",
    "node_modules",
    "-o",
    relative(repoRoot, resolve(opts.outDir)),
  ];
  const output = await new Promise<string>((resolveRun, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (d: Buffer) => {
      text += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      text += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      // circom2 colours its output; strip the escapes so messages read cleanly.
      const plain = text.replace(ANSI_ESCAPE, "");
      if (code === 0 && plain.includes("Everything went okay")) resolveRun(plain);
      else reject(new CircomCompileError(`circom2 failed on ${source} (exit ${code})`, plain));
    });
  });
  const name = basename(source, ".circom");
  const count = (label: string): number => {
    const m = new RegExp(`(?:^|\\n)${label}:\\s*(\\d+)`).exec(output);
    return m ? Number(m[1]) : 0;
  };
  const wasm = join(opts.outDir, `${name}_js`, `${name}.wasm`);
  if (!existsSync(wasm)) throw new CircomCompileError(`circom2 wrote no wasm for ${source}`, output);
  return {
    name,
    r1cs: join(opts.outDir, `${name}.r1cs`),
    wasm,
    sym: join(opts.outDir, `${name}.sym`),
    constraints: count("non-linear constraints") + count("linear constraints"),
    wires: count("wires"),
    publicInputs: count("public inputs"),
    publicOutputs: count("public outputs"),
  };
}

export class WitnessError extends Error {
  readonly code = "WITNESS" as const;
  constructor(message: string) {
    super(message);
    this.name = "WitnessError";
  }
}

/** Circuit inputs: names to (nested arrays of) integers; bigints may be negative. */
export type CircuitInput = Record<string, unknown>;

interface RawWitnessCalculator {
  calculateWitness(input: Record<string, unknown>, sanityCheck: boolean): Promise<bigint[]>;
  calculateWTNSBin(input: Record<string, unknown>, sanityCheck: boolean): Promise<Uint8Array>;
}

/** One loaded witness generator (wasm instantiated once, reused for every witness). */
export interface WitnessCalculator {
  /** Full witness: index 0 is the constant 1, then public outputs, public inputs, private inputs. */
  witness(input: CircuitInput): Promise<bigint[]>;
  /** The witness in snarkjs' .wtns binary format, ready for groth16.prove. */
  wtns(input: CircuitInput): Promise<Uint8Array>;
}

export async function loadWitnessCalculator(wasm: string | Uint8Array): Promise<WitnessCalculator> {
  const code = typeof wasm === "string" ? readFileSync(wasm) : wasm;
  const calc = (await witnessCalculatorBuilder(code)) as RawWitnessCalculator;
  // circom_runtime keeps a witness in its one wasm instance and reads it back after an `await`, so
  // two calculations in flight at once on one calculator both read whichever ran last: one at a time.
  let last: Promise<unknown> = Promise.resolve();
  const wrap = <T>(run: () => Promise<T>): Promise<T> => {
    const result = last.then(async () => {
      try {
        return await run();
      } catch (e) {
        // A failed `===` or range decomposition: the input has no witness.
        throw new WitnessError(
          e instanceof Error ? (e.message.split("\n")[0] ?? "witness failed") : String(e),
        );
      }
    });
    last = result.catch(() => undefined);
    return result;
  };
  return {
    witness: (input) => wrap(() => calc.calculateWitness(normalizeInput(input), true)),
    wtns: (input) => wrap(() => calc.calculateWTNSBin(normalizeInput(input), true)),
  };
}

/** The witness generator wants non-negative decimal strings: map negatives into the field. */
function normalizeInput(input: CircuitInput): Record<string, unknown> {
  const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
  const conv = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(conv);
    if (typeof v === "bigint" || typeof v === "number") {
      const b = BigInt(v);
      return (((b % P) + P) % P).toString();
    }
    return v;
  };
  return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, conv(v)]));
}

/** Signal names to witness indices, from the .sym file (signals removed by the optimizer are absent). */
export function readSymbols(sym: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of readFileSync(sym, "utf8").split("\n")) {
    const parts = line.split(",");
    if (parts.length < 4) continue;
    const wire = Number(parts[1]);
    if (wire >= 0) map.set(parts.slice(3).join(","), wire);
  }
  return map;
}
