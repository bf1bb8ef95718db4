// Development powers of tau (phase 1) for SPECTER: a fresh bn128 accumulator, one random local
// contribution, a public beacon, then the phase-2 preparation. Output: build/ptau/pot<power>_final.ptau.
// Slow at 2^16 (the preparation takes tens of minutes on one core), so it runs once and the per-circuit
// phase 2 (scripts/setup.ts) reuses it. DEVELOPMENT ONLY: see circuits/README.md.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as snarkjs from "snarkjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const PTAU_POWER = 16;
export const ptauPath = (power = PTAU_POWER): string => join(root, "build", "ptau", `pot${power}_final.ptau`);

// A fixed, public beacon value (the hash of the string "darwin-specter-dev-beacon"); a production
// ceremony would use a future randomness-beacon output announced before the ceremony closes.
const BEACON = "6b3f2e0a7c9d8e1f4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b";

const logger = {
  debug: () => {},
  log: (m: string) => process.stdout.write(`[ptau] ${m}\n`),
  info: (m: string) => process.stdout.write(`[ptau] ${m}\n`),
  warn: (m: string) => process.stdout.write(`[ptau] warn ${m}\n`),
  error: (m: string) => process.stderr.write(`[ptau] error ${m}\n`),
};

export async function buildPtau(power = PTAU_POWER): Promise<string> {
  const out = ptauPath(power);
  if (existsSync(out)) return out;
  const dir = dirname(out);
  mkdirSync(dir, { recursive: true });
  const p0 = join(dir, `pot${power}_0000.ptau`);
  const p1 = join(dir, `pot${power}_0001.ptau`);
  const pb = join(dir, `pot${power}_beacon.ptau`);
  const tmp = `${out}.partial`;
  const t0 = Date.now();
  // snarkjs' published types omit `curves`; it is exported at run time.
  const { curves } = snarkjs as unknown as { curves: { getCurveFromName(name: string): Promise<unknown> } };
  await snarkjs.powersOfTau.newAccumulator(await curves.getCurveFromName("bn128"), power, p0, logger);
  await snarkjs.powersOfTau.contribute(
    p0,
    p1,
    "darwin dev contribution",
    randomBytes(32).toString("hex"),
    logger,
  );
  await snarkjs.powersOfTau.beacon(p1, pb, "darwin dev beacon", BEACON, 10, logger);
  await snarkjs.powersOfTau.preparePhase2(pb, tmp, logger);
  renameSync(tmp, out);
  for (const f of [p0, p1]) rmSync(f, { force: true });
  process.stdout.write(`[ptau] 2^${power} ready in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${out}\n`);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildPtau(Number(process.argv[2] ?? PTAU_POWER));
  process.exit(0);
}
