import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

export interface StartProcessOpts {
  readonly command: string;
  readonly args?: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Polled until it resolves `true`; the process counts as started then. */
  readonly ready: (proc: RunningProcess) => Promise<boolean>;
  readonly readyTimeoutMs?: number;
  readonly pollIntervalMs?: number;
  /** A label used in error messages and kept output. */
  readonly name?: string;
}

export interface RunningProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** stdout and stderr so far (bounded), for assertions and for failure reports. */
  output(): string;
  exited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code or signal. */
  stop(graceMs?: number): Promise<number | NodeJS.Signals | null>;
  /** SIGKILL at once, as a crash would. */
  kill(): Promise<number | NodeJS.Signals | null>;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

const MAX_OUTPUT = 256 * 1024;
const live = new Set<RunningProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test runner that dies must not leave nodes listening behind it.
  process.once("exit", () => {
    for (const p of live) if (!p.exited()) p.child.kill("SIGKILL");
  });
}

/** Starts a real process and resolves once `ready` says so; rejects (and kills it) otherwise. */
export async function startProcess(opts: StartProcessOpts): Promise<RunningProcess> {
  installExitHook();
  const name = opts.name ?? opts.command;
  const child = spawn(opts.command, [...(opts.args ?? [])], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const append = (chunk: Buffer): void => {
    output += chunk.toString("utf8");
    if (output.length > MAX_OUTPUT) output = output.slice(output.length - MAX_OUTPUT);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  let exitInfo: number | NodeJS.Signals | null | undefined;
  const exitPromise = new Promise<number | NodeJS.Signals | null>((resolve) => {
    child.once("exit", (code, signal) => {
      exitInfo = signal ?? code;
      live.delete(proc);
      resolve(exitInfo);
    });
  });
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));

  const proc: RunningProcess = {
    name,
    pid: child.pid ?? -1,
    child,
    output: () => output,
    exited: () => exitInfo !== undefined,
    async stop(graceMs = 5000) {
      if (exitInfo !== undefined) return exitInfo;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const result = await exitPromise;
      clearTimeout(timer);
      return result;
    },
    async kill() {
      if (exitInfo !== undefined) return exitInfo;
      child.kill("SIGKILL");
      return exitPromise;
    },
    async waitForOutput(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(output);
        if (match) return match;
        if (exitInfo !== undefined)
          throw new Error(`${name} exited (${String(exitInfo)}) before printing ${pattern}\n${output}`);
        if (Date.now() > deadline)
          throw new Error(`${name} did not print ${pattern} within ${timeoutMs} ms\n${output}`);
        await sleep(50);
      }
    },
  };
  live.add(proc);

  const timeoutMs = opts.readyTimeoutMs ?? 60_000;
  const interval = opts.pollIntervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failure = await Promise.race([spawnError, sleep(0).then(() => undefined)]);
    if (failure) {
      live.delete(proc);
      throw new Error(`could not start ${name}: ${failure.message}`);
    }
    if (exitInfo !== undefined) {
      throw new Error(`${name} exited (${String(exitInfo)}) before it was ready\n${output}`);
    }
    let ready = false;
    try {
      ready = await opts.ready(proc);
    } catch {
      ready = false;
    }
    if (ready) return proc;
    if (Date.now() > deadline) {
      await proc.kill();
      throw new Error(`${name} was not ready within ${timeoutMs} ms\n${output}`);
    }
    await sleep(interval);
  }
}

/** Ready check: an HTTP endpoint answers (any status below 500). */
export function httpAnswers(url: string, init?: RequestInit): () => Promise<boolean> {
  return async () => {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.status < 500;
  };
}

/** Ready check: a JSON-RPC method answers with a result. */
export function jsonRpcAnswers(url: string, method: string, params: unknown[] = []): () => Promise<boolean> {
  return async () => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      signal: AbortSignal.timeout(2000),
    });
    if (!res.ok) return false;
    const body = (await res.json()) as { result?: unknown };
    return body.result !== undefined;
  };
}

/** Polls `check` until it returns a non-undefined value. */
export async function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${opts.what ?? "condition"}${lastError ? `: ${String(lastError)}` : ""}`,
      );
    }
    await sleep(opts.intervalMs ?? 100);
  }
}
