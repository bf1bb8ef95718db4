// Effect services of the DA provider: one per capability, each with a live layer and a test layer.
//   DaRepoService            the repository (blocks, pins, quotas, GC): lmdb on disk, or memory
//   Replicator               pulls DAGs from peer providers, retrying transient failures
//   RetrievabilityVerifier   samples random leaves of a CID from a provider and checks them
//   Gateway                  the HTTP gateway and signed API, for as long as its scope lives
import type { Content } from "@darwin/content-id";
import type { Logger, Registry } from "@darwin/observability";
import { Context, Effect, Layer, Schedule } from "effect";
import type { CID } from "multiformats/cid";
import { DaError, daError } from "./errors.ts";
import { type GatewayOpts, type RunningGateway, startGateway } from "./http/server.ts";
import type { DaMetrics } from "./metrics.ts";
import { type PullOpts, pullFromPeer } from "./replication/pull.ts";
import {
  checkRetrievability,
  type RetrievabilityOpts,
  type RetrievabilityReport,
} from "./replication/retrievability.ts";
import { openLmdbStorage } from "./store/lmdb.ts";
import { createMemoryStorage } from "./store/memory.ts";
import { type CarImportResult, DaRepo, type RepoOpts } from "./store/repo.ts";

export interface Observability {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly metrics: DaMetrics;
}

export class DaRepoService extends Context.Service<DaRepoService, DaRepo>()("@darwin/da-provider/DaRepo") {}

/** The repository on disk under `path`; closed when the layer's scope ends. */
export function daRepoLive(opts: RepoOpts & { readonly path: string }, obs: Observability) {
  return Layer.effect(
    DaRepoService,
    Effect.acquireRelease(
      Effect.try({
        try: () =>
          new DaRepo(opts, {
            storage: openLmdbStorage({ path: opts.path }),
            logger: obs.logger,
            metrics: obs.metrics,
          }),
        catch: (err) =>
          daError("STORE_FAILURE", `cannot open the repository at ${opts.path}: ${String(err)}`, err),
      }),
      (repo) => Effect.promise(() => repo.close()),
    ),
  );
}

/** The repository in memory, for tests. */
export function daRepoTest(opts: RepoOpts, obs: Pick<Observability, "logger"> & Partial<Observability>) {
  return Layer.succeed(
    DaRepoService,
    new DaRepo(opts, {
      storage: createMemoryStorage(),
      logger: obs.logger,
      ...(obs.metrics ? { metrics: obs.metrics } : {}),
    }),
  );
}

/**
 * The repository's operations as Effects (typed DaError failures, one span each), for programs that
 * compose the provider with other services instead of calling the promise API.
 */
export const DaRepoOps = {
  add: (
    owner: string,
    content: Content,
    opts: { readonly expectCid?: CID; readonly maxBytes?: number } = {},
  ) => repoEffect("da.add", (repo) => repo.add(owner, content, opts), { owner }),
  importCar: (car: AsyncIterable<Uint8Array> | Uint8Array, opts: { readonly owner?: string } = {}) =>
    repoEffect("da.import-car", (repo) => repo.importCar(car, opts), {}),
  pin: (owner: string, root: CID) =>
    repoEffect("da.pin", (repo) => repo.pin(owner, root), { owner, root: String(root) }),
  unpin: (owner: string, root: CID) =>
    repoEffect("da.unpin", (repo) => repo.unpin(owner, root), { owner, root: String(root) }),
  gc: () => repoEffect("da.gc", (repo) => repo.gc(), {}),
  readAll: (root: CID) =>
    repoEffect(
      "da.read",
      async (repo) => {
        const parts: Uint8Array[] = [];
        for await (const part of repo.readContent(root)) parts.push(part);
        return new Uint8Array(Buffer.concat(parts));
      },
      { root: String(root) },
    ),
};

function repoEffect<A>(
  span: string,
  run: (repo: DaRepo) => Promise<A>,
  attributes: Record<string, string>,
): Effect.Effect<A, DaError, DaRepoService> {
  return DaRepoService.use((repo) =>
    Effect.tryPromise({ try: () => run(repo), catch: toDaError }).pipe(Effect.withSpan(span, { attributes })),
  );
}

export function toDaError(err: unknown): DaError {
  if (err instanceof DaError) return err;
  return daError("STORE_FAILURE", err instanceof Error ? err.message : String(err), err);
}

export interface ReplicatorShape {
  /** Pulls, verifies and stores (and pins, with an owner) the DAG `cid` from one peer. */
  readonly pull: (opts: PullOpts) => Effect.Effect<CarImportResult, DaError>;
  /** Tries each peer in turn until one delivers. */
  readonly pullFromAny: (
    peers: readonly string[],
    opts: Omit<PullOpts, "peer">,
  ) => Effect.Effect<CarImportResult & { readonly peer: string }, DaError>;
}

export class Replicator extends Context.Service<Replicator, ReplicatorShape>()(
  "@darwin/da-provider/Replicator",
) {}

const transient = (e: DaError) => e.code === "PEER_UNAVAILABLE" || e.code === "TRUNCATED_CAR";

function makeReplicator(
  repo: DaRepo,
  obs: Pick<Observability, "logger"> & Partial<Observability>,
  retry: { readonly times: number; readonly baseMs: number },
): ReplicatorShape {
  const logger = obs.logger.child({ module: "da/replication" });
  const pull = (opts: PullOpts) =>
    Effect.tryPromise({ try: () => pullFromPeer(repo, opts, logger), catch: toDaError }).pipe(
      Effect.retry({ schedule: Schedule.exponential(retry.baseMs), times: retry.times, while: transient }),
      Effect.tap(() => Effect.sync(() => obs.metrics?.replications.inc({ result: "ok" }))),
      Effect.tapError(() => Effect.sync(() => obs.metrics?.replications.inc({ result: "failed" }))),
      Effect.withSpan("da.replicate", { attributes: { cid: opts.cid.toString(), peer: opts.peer } }),
    );
  const pullFromAny: ReplicatorShape["pullFromAny"] = (peers, opts) =>
    Effect.gen(function* () {
      let last: DaError = daError("PEER_UNAVAILABLE", "no peer was named");
      for (const peer of peers) {
        const result = yield* pull({ ...opts, peer }).pipe(
          Effect.map((r) => ({ ...r, peer })),
          Effect.catch((e: DaError) => {
            last = e;
            return Effect.succeed(undefined);
          }),
        );
        if (result !== undefined) return result;
      }
      return yield* Effect.fail(last);
    });
  return { pull, pullFromAny };
}

export function replicatorLive(obs: Pick<Observability, "logger"> & Partial<Observability>) {
  return Layer.effect(
    Replicator,
    Effect.gen(function* () {
      const repo = yield* DaRepoService;
      return makeReplicator(repo, obs, { times: 3, baseMs: 200 });
    }),
  );
}

/** No retries, so tests of failure paths do not wait. */
export function replicatorTest(obs: Pick<Observability, "logger">) {
  return Layer.effect(
    Replicator,
    Effect.gen(function* () {
      const repo = yield* DaRepoService;
      return makeReplicator(repo, obs, { times: 0, baseMs: 1 });
    }),
  );
}

export interface RetrievabilityVerifierShape {
  readonly check: (opts: RetrievabilityOpts) => Effect.Effect<RetrievabilityReport, DaError>;
}

export class RetrievabilityVerifier extends Context.Service<
  RetrievabilityVerifier,
  RetrievabilityVerifierShape
>()("@darwin/da-provider/RetrievabilityVerifier") {}

export function retrievabilityVerifierLive(obs: Partial<Observability> = {}) {
  return Layer.succeed(RetrievabilityVerifier, {
    check: (opts) =>
      Effect.tryPromise({ try: () => checkRetrievability(opts), catch: toDaError }).pipe(
        Effect.tap((report) =>
          Effect.sync(() =>
            obs.metrics?.retrievabilityChecks.inc({ result: report.passed ? "pass" : "fail" }),
          ),
        ),
        Effect.withSpan("da.retrievability", {
          attributes: { cid: opts.cid.toString(), provider: opts.provider },
        }),
      ),
  });
}

/** A verifier with a fixed seed, so a test's samples are the same on every run. */
export function retrievabilityVerifierTest(seed: number) {
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return Layer.succeed(RetrievabilityVerifier, {
    check: (opts) =>
      Effect.tryPromise({ try: () => checkRetrievability({ random, ...opts }), catch: toDaError }),
  });
}

export class Gateway extends Context.Service<Gateway, RunningGateway>()("@darwin/da-provider/Gateway") {}

/** Serves HTTP for the lifetime of the layer; pins that miss content pull through the Replicator. */
export function gatewayLive(opts: GatewayOpts, obs: Observability) {
  return Layer.effect(
    Gateway,
    Effect.gen(function* () {
      const repo = yield* DaRepoService;
      const replicator = yield* Replicator;
      return yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: () =>
            startGateway(opts, {
              repo,
              logger: obs.logger,
              registry: obs.registry,
              metrics: obs.metrics,
              pull: (pullOpts) => Effect.runPromise(replicator.pull(pullOpts)),
            }),
          catch: toDaError,
        }),
        (gateway) => Effect.promise(() => gateway.close()),
      );
    }),
  );
}

/** Forgets expired upload nonces every `intervalMs`, so the replay table stays small. */
export function noncePruneLoop(intervalMs: number) {
  return Effect.gen(function* () {
    const repo = yield* DaRepoService;
    yield* Effect.sync(() => repo.nonces.prune(Date.now())).pipe(
      Effect.withSpan("da.prune-nonces"),
      Effect.repeat(Schedule.spaced(intervalMs)),
    );
  });
}

/** Runs GC every `intervalMs` for as long as the surrounding scope lives. */
export function gcLoop(intervalMs: number) {
  return Effect.gen(function* () {
    const repo = yield* DaRepoService;
    yield* Effect.tryPromise({ try: () => repo.gc(), catch: toDaError }).pipe(
      Effect.withSpan("da.gc"),
      Effect.ignore,
      Effect.repeat(Schedule.spaced(intervalMs)),
      Effect.delay(intervalMs),
    );
  });
}
