import { cpus, totalmem } from "node:os";

/** One line naming the machine, for BENCHMARKS.md. */
export function machineDescription(): string {
  const cpu = cpus()[0]?.model ?? "unknown cpu";
  return `machine: ${cpus().length} x ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}, ${process.platform}-${process.arch}`;
}

export interface Row {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The reference measured in the same run, if any. */
  readonly reference?: { readonly name: string; readonly value: number };
}

/** Prints rows as a Markdown table with the reference beside each figure and their ratio. */
export function printTable(title: string, rows: readonly Row[]): void {
  const lines = [
    `### ${title}`,
    "",
    "| measure | darwin | reference | ratio |",
    "|---|---:|---:|---:|",
    ...rows.map((r) => {
      const ref = r.reference ? `${fmt(r.reference.value)} ${r.unit} (${r.reference.name})` : "";
      const ratio =
        r.reference && r.reference.value !== 0 ? `${(r.value / r.reference.value).toFixed(2)}x` : "";
      return `| ${r.name} | ${fmt(r.value)} ${r.unit} | ${ref} | ${ratio} |`;
    }),
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

function fmt(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString("en-US");
  return n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

/** Percentile of a sorted-or-not sample (nearest rank). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Wall time of `fn` in milliseconds. */
export async function timeMs(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
