// The repository through its Effect service, on the in-memory test layer.
import { cidOf, verifyBlock, walkDag } from "@darwin/content-id";
import { generateKeyPair, open, seal } from "@darwin/envelope";
import { silentLogger } from "@darwin/observability";
import { describe, expect, it } from "@effect/vitest";
import { CarReader, CarWriter } from "@ipld/car";
import { Effect } from "effect";
import { DaRepoOps, DaRepoService, daRepoTest } from "../src/index.ts";
import { ALITH, blocksOfBytes, codeOf, collect, pseudoRandom } from "./helpers.ts";

const BOB = "0x3cd0a705a2dc65e5b1e1205896baa2be8a07c6e0";
const layer = () =>
  daRepoTest({ defaultQuotaBytes: 4_000_000, quotas: { [BOB]: 100_000 } }, { logger: silentLogger() });
const promise = <A>(f: () => Promise<A>) => Effect.promise(f);

describe("DaRepo (memory layer)", () => {
  it.effect("add then read gives the same bytes under Kubo's CID", () =>
    Effect.gen(function* () {
      const repo = yield* DaRepoService;
      for (const length of [0, 5, 262_144, 262_145, 1_000_000]) {
        const bytes = pseudoRandom(length, length + 1);
        const added = yield* promise(() => repo.add(ALITH, bytes));
        expect(added.cid.toString()).toBe((yield* promise(() => cidOf(bytes))).toString());
        expect(added.size).toBe(length);
        const back = yield* promise(() => collect(repo.readContent(added.cid)));
        expect(Buffer.compare(back, bytes)).toBe(0);
      }
    }).pipe(Effect.provide(layer())),
  );

  it.effect("the Effect operations fail with typed DaErrors that catchTag sees", () =>
    Effect.gen(function* () {
      const bytes = pseudoRandom(300_000, 13);
      const { cid } = yield* DaRepoOps.add(ALITH, bytes);
      expect(Buffer.compare(yield* DaRepoOps.readAll(cid), bytes)).toBe(0);
      const over = yield* DaRepoOps.add(BOB, pseudoRandom(200_000, 14)).pipe(
        Effect.map(() => "accepted"),
        Effect.catchTag("DaError", (e) => Effect.succeed(e.code)),
      );
      expect(over).toBe("QUOTA_EXCEEDED");
      expect(yield* DaRepoOps.unpin(ALITH, cid)).toBe(true);
      expect((yield* DaRepoOps.gc()).removedBlocks).toBeGreaterThan(0);
      const gone = yield* DaRepoOps.readAll(cid).pipe(Effect.flip);
      expect(gone.code).toBe("NOT_FOUND");
    }).pipe(Effect.provide(layer())),
  );

  it.effect("exports a CAR that @ipld/car reads back, every block verifying, in Kubo dag-export order", () =>
    Effect.gen(function* () {
      const repo = yield* DaRepoService;
      const bytes = pseudoRandom(900_000, 2);
      const { cid } = yield* promise(() => repo.add(ALITH, bytes));
      const car = yield* promise(() => collect(repo.exportCar(cid)));
      const reader = yield* promise(() => CarReader.fromBytes(car));
      expect(reader.version).toBe(1);
      const roots = yield* promise(() => reader.getRoots());
      expect(roots.map((r) => r.toString())).toEqual([cid.toString()]);
      const read: string[] = [];
      for (const block of yield* promise(async () => {
        const all = [];
        for await (const b of reader.blocks()) all.push(b);
        return all;
      })) {
        expect(yield* promise(() => verifyBlock(block.cid, block.bytes))).toBe(true);
        read.push(block.cid.toString());
      }
      // Pre-order depth-first from the root, each block once.
      const expected: string[] = [];
      yield* promise(async () => {
        for await (const b of walkDag(cid, repo.getBlock)) expected.push(b.cid.toString());
      });
      expect(read).toEqual(expected);
      expect(read[0]).toBe(cid.toString());

      // An independent writer given the same blocks in the same order writes the same bytes.
      const blocks = yield* promise(() => blocksOfBytes(bytes));
      const byCid = new Map(blocks.map((b) => [b.cid.toString(), b]));
      const { writer, out } = CarWriter.create([cid]);
      const written = collect(out);
      yield* promise(async () => {
        for (const key of expected) await writer.put(byCid.get(key)!);
        await writer.close();
      });
      expect(Buffer.compare(yield* promise(() => written), car)).toBe(0);
    }).pipe(Effect.provide(layer())),
  );

  it.effect("round-trips a CAR byte for byte through a second repository", () =>
    Effect.gen(function* () {
      const first = yield* DaRepoService;
      const bytes = pseudoRandom(700_000, 3);
      const { cid } = yield* promise(() => first.add(ALITH, bytes));
      const car = yield* promise(() => collect(first.exportCar(cid)));
      const again = yield* Effect.gen(function* () {
        const second = yield* DaRepoService;
        const imported = yield* promise(() => second.importCar(car, { owner: ALITH }));
        expect(imported.roots.map(String)).toEqual([cid.toString()]);
        expect(second.pinsOf(ALITH).map((p) => p.root)).toEqual([cid.toString()]);
        expect(Buffer.compare(yield* promise(() => collect(second.readContent(cid))), bytes)).toBe(0);
        return yield* promise(() => collect(second.exportCar(cid)));
      }).pipe(Effect.provide(layer()));
      expect(Buffer.compare(again, car)).toBe(0);
    }).pipe(Effect.provide(layer())),
  );

  it.effect("refuses truncated, garbled, forged and incomplete CARs with typed errors and pins nothing", () =>
    Effect.gen(function* () {
      const source = yield* DaRepoService;
      const { cid } = yield* promise(() => source.add(ALITH, pseudoRandom(600_000, 4)));
      const car = yield* promise(() => collect(source.exportCar(cid)));
      const target = yield* Effect.gen(function* () {
        return yield* DaRepoService;
      }).pipe(Effect.provide(layer()));
      expect(
        yield* promise(() => codeOf(target.importCar(car.subarray(0, car.length - 100), { owner: ALITH }))),
      ).toBe("TRUNCATED_CAR");
      expect(yield* promise(() => codeOf(target.importCar(car.subarray(0, 20), { owner: ALITH })))).toBe(
        "TRUNCATED_CAR",
      );
      // A complete header that is not a CAR header (a CBOR string, not a map).
      const garbage = Uint8Array.from([3, 0x62, 0x68, 0x69, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect(yield* promise(() => codeOf(target.importCar(garbage)))).toBe("BAD_CAR");
      const forged = car.slice();
      forged[forged.length - 10]! ^= 0xff;
      expect(yield* promise(() => codeOf(target.importCar(forged, { owner: ALITH })))).toBe("CID_MISMATCH");
      // Failed imports leave only unpinned blocks, which GC removes.
      expect(target.pinsOf(ALITH)).toEqual([]);
      yield* promise(() => target.gc());
      expect(target.blocks.count()).toBe(0);
      // A CAR that omits a leaf: the blocks verify, but the DAG is not all there.
      const reader = yield* promise(() => CarReader.fromBytes(car));
      const { writer, out } = CarWriter.create([cid]);
      const partial = collect(out);
      yield* promise(async () => {
        let i = 0;
        for await (const block of reader.blocks()) if (i++ !== 2) await writer.put(block);
        await writer.close();
      });
      expect(yield* promise(async () => codeOf(target.importCar(await partial, { owner: ALITH })))).toBe(
        "INCOMPLETE_DAG",
      );
      expect(target.pinsOf(ALITH)).toEqual([]);
      // Nothing pinned, so GC leaves the store empty again.
      yield* promise(() => target.gc());
      expect(target.blocks.count()).toBe(0);
    }).pipe(Effect.provide(layer())),
  );

  it.effect("enforces per-owner quotas on the bytes pinned", () =>
    Effect.gen(function* () {
      const repo = yield* DaRepoService;
      expect(repo.quotaOf(BOB)).toBe(100_000);
      yield* promise(() => repo.add(BOB, pseudoRandom(60_000, 5)));
      expect(yield* promise(() => codeOf(repo.add(BOB, pseudoRandom(60_000, 6))))).toBe("QUOTA_EXCEEDED");
      expect(repo.usageOf(BOB)).toBe(60_000);
      expect(yield* promise(() => codeOf(repo.add(BOB, pseudoRandom(10, 7), { maxBytes: 5 })))).toBe(
        "PAYLOAD_TOO_LARGE",
      );
      // Alith's quota is separate.
      yield* promise(() => repo.add(ALITH, pseudoRandom(60_000, 6)));
    }).pipe(Effect.provide(layer())),
  );

  it.effect("GC removes only what no pin reaches, including blocks shared with a pinned DAG", () =>
    Effect.gen(function* () {
      const repo = yield* DaRepoService;
      const kept = pseudoRandom(600_000, 8);
      const { cid: keptCid } = yield* promise(() => repo.add(ALITH, kept));
      // Shares its first 512 KiB (two leaves) with `kept`, then differs.
      const sharing = new Uint8Array(700_000);
      sharing.set(kept.subarray(0, 524_288));
      sharing.set(pseudoRandom(700_000 - 524_288, 9), 524_288);
      const { cid: sharingCid } = yield* promise(() => repo.add(BOB, sharing.subarray(0, 100_000)));
      const { cid: droppedCid } = yield* promise(() => repo.add(ALITH, sharing));
      expect(yield* promise(() => repo.unpin(ALITH, droppedCid))).toBe(true);
      const before = repo.blocks.count();
      const result = yield* promise(() => repo.gc());
      expect(result.removedBlocks).toBeGreaterThan(0);
      expect(repo.blocks.count()).toBe(before - result.removedBlocks);
      expect(Buffer.compare(yield* promise(() => collect(repo.readContent(keptCid))), kept)).toBe(0);
      expect(repo.blocks.has(sharingCid)).toBe(true);
      expect(repo.blocks.has(droppedCid)).toBe(false);
      expect(yield* promise(() => codeOf((async () => collect(repo.readContent(droppedCid)))()))).toBe(
        "NOT_FOUND",
      );
      // A second GC finds nothing more to do.
      expect((yield* promise(() => repo.gc())).removedBlocks).toBe(0);
    }).pipe(Effect.provide(layer())),
  );

  it.effect("a GC in the middle of an upload keeps the blocks already written", () =>
    Effect.gen(function* () {
      const repo = yield* DaRepoService;
      const bytes = pseudoRandom(262_144 * 5, 12);
      let gcDone: Promise<unknown> | undefined;
      async function* slowly(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < 5; i++) {
          yield bytes.subarray(i * 262_144, (i + 1) * 262_144);
          // Halfway through, with some leaves written and nothing pinned yet, collect garbage.
          if (i === 2) gcDone = repo.gc();
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      const { cid } = yield* promise(() => repo.add(ALITH, slowly()));
      yield* promise(() => gcDone!);
      expect(Buffer.compare(yield* promise(() => collect(repo.readContent(cid))), bytes)).toBe(0);
    }).pipe(Effect.provide(layer())),
  );

  it.effect("stores user data only as ciphertext that opens with the node's key and no other", () =>
    Effect.gen(function* () {
      const repo = yield* DaRepoService;
      const node = generateKeyPair();
      const stranger = generateKeyPair();
      const plaintext = new TextEncoder().encode("patient 7: glucose 5.4 mmol/L, HbA1c 41".repeat(50));
      const envelope = seal(node.publicKey, plaintext, new TextEncoder().encode("query-9"));
      const { cid } = yield* promise(() => repo.add(ALITH, envelope));
      const stored = yield* promise(() => collect(repo.readContent(cid)));
      expect(Buffer.from(stored).includes(Buffer.from("glucose"))).toBe(false);
      expect(() => open(stranger.secretKey, stored)).toThrow(expect.objectContaining({ code: "WRONG_KEY" }));
      expect(open(node.secretKey, stored).plaintext).toEqual(plaintext);
    }).pipe(Effect.provide(layer())),
  );
});
