import { createLogger, createRegistry, type Logger, type Registry } from "@darwin/observability";
import { Context, Effect, Exit, Layer, Scope } from "effect";
import type { GatewayOpts } from "./http/server.ts";
import { createDaMetrics, type DaMetrics } from "./metrics.ts";
import { DaRepoService, daRepoLive, daRepoTest, Gateway, gatewayLive, replicatorLive } from "./services.ts";
import type { DaRepo } from "./store/repo.ts";

export interface DaProviderOpts extends GatewayOpts {
  /** Repository folder (lmdb); omit to keep everything in memory (tests only). */
  readonly repoPath?: string;
  readonly defaultQuotaBytes: number;
  readonly quotas?: Readonly<Record<string, number>>;
}

export interface DaProviderModules {
  readonly logger?: Logger;
  readonly registry?: Registry;
}

export interface RunningDaProvider {
  readonly url: string;
  readonly port: number;
  readonly repo: DaRepo;
  readonly metrics: DaMetrics;
  readonly registry: Registry;
  close(): Promise<void>;
}

/**
 * The composition root of one provider: repository, replicator and gateway layers built into one
 * scope; `close()` releases them in reverse order (gateway, then the lmdb environment).
 */
export async function startDaProvider(
  opts: DaProviderOpts,
  modules: DaProviderModules = {},
): Promise<RunningDaProvider> {
  const logger = modules.logger ?? createLogger({ name: "darwin-da", level: "warn" });
  const registry = modules.registry ?? createRegistry({ defaultMetrics: false });
  const metrics = createDaMetrics(registry);
  const obs = { logger, registry, metrics };
  const repoOpts = {
    defaultQuotaBytes: opts.defaultQuotaBytes,
    ...(opts.quotas ? { quotas: opts.quotas } : {}),
  };
  const repoLayer =
    opts.repoPath === undefined
      ? daRepoTest(repoOpts, obs)
      : daRepoLive({ ...repoOpts, path: opts.repoPath }, obs);
  const layer = gatewayLive(opts, obs).pipe(
    Layer.provideMerge(replicatorLive(obs)),
    Layer.provideMerge(repoLayer),
  );
  const scope = await Effect.runPromise(Scope.make());
  try {
    const context = await Effect.runPromise(Layer.buildWithScope(scope)(layer));
    const gateway = Context.get(context, Gateway);
    const repo = Context.get(context, DaRepoService);
    // Pins survive restarts; the gauge starts from what is on disk.
    metrics.pins.set([...repo.allPins()].length);
    return {
      url: gateway.url,
      port: gateway.port,
      repo,
      metrics,
      registry,
      close: () => Effect.runPromise(Scope.close(scope, Exit.void)),
    };
  } catch (err) {
    await Effect.runPromise(Scope.close(scope, Exit.void));
    throw err;
  }
}
