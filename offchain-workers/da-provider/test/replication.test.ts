// Replication and retrievability through their Effect services, between in-process providers.
import { createServer, type Server } from "node:http";
import { cidOf } from "@darwin/content-id";
import { silentLogger } from "@darwin/observability";
import { freePort } from "@darwin/test-utils";
import { describe, expect, it } from "@effect/vitest";
import { Effect, Exit, Layer } from "effect";
import {
  createDaClient,
  DaRepoService,
  daRepoTest,
  Replicator,
  RetrievabilityVerifier,
  replicatorTest,
  retrievabilityVerifierTest,
  startDaProvider,
} from "../src/index.ts";
import { ALITH, ALITH_KEY, collect, pseudoRandom } from "./helpers.ts";

const logger = silentLogger();
const services = () => {
  const repo = daRepoTest({ defaultQuotaBytes: 50_000_000 }, { logger });
  return Layer.mergeAll(replicatorTest({ logger }), retrievabilityVerifierTest(42)).pipe(
    Layer.provideMerge(repo),
  );
};

/** A provider in memory, started and closed with the test's scope. */
const origin = Effect.acquireRelease(
  Effect.promise(() =>
    startDaProvider({ host: "127.0.0.1", port: 0, defaultQuotaBytes: 50_000_000 }, { logger }),
  ),
  (p) => Effect.promise(() => p.close()),
);

/** A "peer" that serves a fixed body for every request, e.g. a forged CAR. */
const fakePeer = (body: Uint8Array, status = 200) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const port = await freePort();
      const server: Server = createServer((_req, res) => {
        res.writeHead(status, { "content-type": "application/vnd.ipld.car; version=1" }).end(body);
      });
      await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
      return { url: `http://127.0.0.1:${port}`, server };
    }),
    ({ server }) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve()))),
  );

describe("Replicator", () => {
  it.effect("pulls a DAG from a peer, verifies it, stores and pins it", () =>
    Effect.gen(function* () {
      const peer = yield* origin;
      const bytes = pseudoRandom(800_000, 41);
      const { cid } = yield* Effect.promise(() =>
        createDaClient({ url: peer.url, secretKey: ALITH_KEY }).add(bytes),
      );
      const replicator = yield* Replicator;
      const result = yield* replicator.pull({ peer: peer.url, cid, owner: ALITH });
      expect(result.roots.map(String)).toEqual([cid.toString()]);
      const repo = yield* DaRepoService;
      expect(repo.pinsOf(ALITH).map((p) => p.root)).toEqual([cid.toString()]);
      expect(Buffer.compare(yield* Effect.promise(() => collect(repo.readContent(cid))), bytes)).toBe(0);
    }).pipe(Effect.provide(services())),
  );

  it.effect("refuses a peer's forged or truncated CAR and pins nothing; tries the next peer", () =>
    Effect.gen(function* () {
      const honest = yield* origin;
      const bytes = pseudoRandom(600_000, 42);
      const { cid } = yield* Effect.promise(() =>
        createDaClient({ url: honest.url, secretKey: ALITH_KEY }).add(bytes),
      );
      const car = yield* Effect.promise(
        async () => new Uint8Array(await (await fetch(`${honest.url}/ipfs/${cid}?format=car`)).arrayBuffer()),
      );
      const forgedCar = car.slice();
      forgedCar[forgedCar.length - 7]! ^= 0x01;
      const forger = yield* fakePeer(forgedCar);
      const truncator = yield* fakePeer(car.subarray(0, car.length - 500));
      const empty = yield* fakePeer(new Uint8Array(0), 404);
      const replicator = yield* Replicator;
      const repo = yield* DaRepoService;

      const forged = yield* Effect.exit(replicator.pull({ peer: forger.url, cid, owner: ALITH }));
      expect(Exit.isFailure(forged) && JSON.stringify(forged.cause)).toContain("CID_MISMATCH");
      const truncated = yield* Effect.exit(replicator.pull({ peer: truncator.url, cid, owner: ALITH }));
      expect(Exit.isFailure(truncated) && JSON.stringify(truncated.cause)).toContain("TRUNCATED_CAR");
      const missing = yield* Effect.exit(replicator.pull({ peer: empty.url, cid, owner: ALITH }));
      expect(Exit.isFailure(missing) && JSON.stringify(missing.cause)).toContain("PEER_UNAVAILABLE");
      expect(repo.pinsOf(ALITH)).toEqual([]);

      const result = yield* replicator.pullFromAny([forger.url, empty.url, honest.url], {
        cid,
        owner: ALITH,
      });
      expect(result.peer).toBe(honest.url);
      expect(repo.pinsOf(ALITH).map((p) => p.root)).toEqual([cid.toString()]);
    }).pipe(Effect.provide(services())),
  );

  it.effect("a pin request naming a peer that lacks the content fails with PEER_UNAVAILABLE", () =>
    Effect.gen(function* () {
      const a = yield* origin;
      const b = yield* origin;
      const cid = yield* Effect.promise(() => cidOf(pseudoRandom(1234, 43)));
      const client = createDaClient({ url: b.url, secretKey: ALITH_KEY });
      const error = yield* Effect.promise(() =>
        client.pin(cid, a.url).then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      expect(error).toMatchObject({ code: "PEER_UNAVAILABLE" });
    }).pipe(Effect.provide(services())),
  );
});

describe("RetrievabilityVerifier", () => {
  it.effect("passes an honest provider and fails one that dropped a leaf", () =>
    Effect.gen(function* () {
      const provider = yield* origin;
      const bytes = pseudoRandom(262_144 * 4, 44);
      const { cid } = yield* Effect.promise(() =>
        createDaClient({ url: provider.url, secretKey: ALITH_KEY }).add(bytes),
      );
      const verifier = yield* RetrievabilityVerifier;
      const honest = yield* verifier.check({ provider: provider.url, cid, samples: 8 });
      expect(honest.passed).toBe(true);
      expect(honest.fileSize).toBe(bytes.length);
      // Drop every leaf: any sample now fails.
      const { decodeFileNode } = yield* Effect.promise(() => import("@darwin/content-id"));
      for (const leaf of decodeFileNode(cid, provider.repo.blocks.get(cid)!).links) {
        yield* Effect.promise(() => provider.repo.blocks.delete(leaf));
      }
      const cheating = yield* verifier.check({ provider: provider.url, cid, samples: 3 });
      expect(cheating.passed).toBe(false);
      expect(cheating.samples.every((s) => !s.ok)).toBe(true);
    }).pipe(Effect.provide(services())),
  );
});
