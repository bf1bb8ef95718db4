import { type DestinationStream, type LoggerOptions, type Logger as PinoLogger, pino } from "pino";

export type Logger = PinoLogger;
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface LoggerOpts {
  /** Name of the process or service at the root of the tree, e.g. `darwin-node`. */
  readonly name: string;
  readonly level?: LogLevel;
  /**
   * Per-module levels in Substrate's `-l target=level` spirit, e.g. `{ rpc: "debug" }`.
   * A child created with `module: "rpc"` (or `rpc/...`) picks up that level.
   */
  readonly moduleLevels?: Readonly<Record<string, LogLevel>>;
  /** Defaults to stderr so stdout stays free for command output (build-spec, key generate). */
  readonly destination?: DestinationStream;
  /** Human-readable single-line output instead of JSON. */
  readonly pretty?: boolean;
}

const LEVEL_LABELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

/** A readable line format: `2026-11-24 22:17:37.123  INFO rpc: message key=value`. */
function prettyStream(out: NodeJS.WritableStream): DestinationStream {
  return {
    write(line: string): void {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const { time, level, module, msg, pid: _pid, hostname: _host, name: _name, ...rest } = rec;
      const ts = typeof time === "number" ? new Date(time).toISOString().replace("T", " ").slice(0, 23) : "";
      const label = (LEVEL_LABELS[level as number] ?? String(level)).padStart(5);
      const extras = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" ");
      out.write(
        `${ts} ${label} ${module ? `${String(module)}: ` : ""}${String(msg ?? "")}${extras ? ` ${extras}` : ""}\n`,
      );
    },
  };
}

/** The single logger factory of the project. Libraries receive a `Logger` and call `.child({ module })`. */
export function createLogger(opts: LoggerOpts): Logger {
  const options: LoggerOptions = {
    name: opts.name,
    level: opts.level ?? "info",
    base: { name: opts.name },
  };
  const destination = opts.destination ?? (opts.pretty ? prettyStream(process.stderr) : pino.destination(2));
  const root = pino(options, destination);
  const moduleLevels = opts.moduleLevels ?? {};
  if (Object.keys(moduleLevels).length === 0) return root;
  // Wrap child() so per-module levels apply wherever a child is created.
  const baseChild = root.child.bind(root);
  const withLevels = (parent: typeof baseChild) =>
    ((bindings: Record<string, unknown>, childOpts?: Record<string, unknown>) => {
      const mod = typeof bindings.module === "string" ? bindings.module : undefined;
      const level = mod ? levelFor(moduleLevels, mod) : undefined;
      return parent(bindings, level ? { ...childOpts, level } : childOpts);
    }) as typeof baseChild;
  root.child = withLevels(baseChild);
  return root;
}

function levelFor(levels: Readonly<Record<string, LogLevel>>, module: string): LogLevel | undefined {
  let best: string | undefined;
  for (const key of Object.keys(levels)) {
    if (
      (module === key || module.startsWith(`${key}/`)) &&
      (best === undefined || key.length > best.length)
    ) {
      best = key;
    }
  }
  return best === undefined ? undefined : levels[best];
}

/** Parses Substrate-style `-l` directives: `info`, `rpc=debug,txpool=trace`. */
export function parseLogDirectives(directives: readonly string[]): {
  level: LogLevel | undefined;
  moduleLevels: Record<string, LogLevel>;
} {
  const valid = new Set<string>(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);
  let level: LogLevel | undefined;
  const moduleLevels: Record<string, LogLevel> = {};
  for (const directive of directives.flatMap((d) => d.split(","))) {
    const trimmed = directive.trim();
    if (trimmed === "") continue;
    const eq = trimmed.indexOf("=");
    const target = eq === -1 ? undefined : trimmed.slice(0, eq);
    const lvl = (eq === -1 ? trimmed : trimmed.slice(eq + 1)).toLowerCase();
    if (!valid.has(lvl)) throw new Error(`invalid log level "${lvl}" in directive "${trimmed}"`);
    if (target === undefined) level = lvl as LogLevel;
    else moduleLevels[target] = lvl as LogLevel;
  }
  return { level, moduleLevels };
}

/** A logger that drops everything; for unit tests and library defaults. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
