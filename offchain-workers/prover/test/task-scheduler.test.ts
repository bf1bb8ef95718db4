// The prover's task scheduler against an in-memory thread manager: no more tasks in flight than
// threads, the most urgent first (first come, first served within a priority), failures passed on
// without stalling the queue.

import type { Curve, TaskCommand } from "ffjavascript";
import { describe, expect, it } from "vitest";
import { Priority, TaskScheduler } from "../src/task-scheduler.ts";

interface Pending {
  readonly name: string;
  readonly finish: (fail?: boolean) => void;
}

/** A thread manager whose tasks finish when the test says so. */
function fakeCurve(concurrency: number) {
  const started: string[] = [];
  const running: Pending[] = [];
  const tm = {
    concurrency,
    queueAction(task: readonly TaskCommand[]): Promise<Uint8Array[]> {
      const name = (task[0] as { fnName: string }).fnName;
      started.push(name);
      return new Promise((resolve, reject) => {
        running.push({
          name,
          finish: (fail) => (fail ? reject(new Error(`${name} failed`)) : resolve([new Uint8Array([1])])),
        });
      });
    },
  };
  const finish = async (name: string, fail = false) => {
    const i = running.findIndex((r) => r.name === name);
    running.splice(i, 1)[0]?.finish(fail);
    await new Promise((r) => setImmediate(r));
  };
  return { curve: { tm } as unknown as Curve, started, running, finish };
}

const task = (fnName: string): TaskCommand[] => [{ cmd: "CALL", fnName, params: [] }];

describe("TaskScheduler", () => {
  it("keeps at most one task per thread in flight and starts the most urgent next", async () => {
    const { curve, started, running, finish } = fakeCurve(2);
    const s = new TaskScheduler(curve);
    const done: Promise<unknown>[] = [];
    for (const name of ["filler1", "filler2", "filler3"])
      done.push(s.run(task(name), undefined, Priority.Filler));
    done.push(s.run(task("path1"), undefined, Priority.CriticalPath));
    done.push(s.run(task("path2"), undefined, Priority.CriticalPath));
    expect(started).toEqual(["filler1", "filler2"]);
    expect(running).toHaveLength(2);
    await finish("filler1");
    expect(started).toEqual(["filler1", "filler2", "path1"]);
    await finish("filler2");
    expect(started.slice(3)).toEqual(["path2"]);
    await finish("path1");
    expect(started.slice(4)).toEqual(["filler3"]);
    await finish("path2");
    await finish("filler3");
    await Promise.all(done);
    expect(running).toHaveLength(0);
  });

  it("rejects a failed task's promise and goes on with the queue", async () => {
    const { curve, started, finish } = fakeCurve(1);
    const s = new TaskScheduler(curve);
    const bad = s.at(Priority.CriticalPath)(task("bad"));
    const next = s.at(Priority.Filler)(task("next"));
    const refused = expect(bad).rejects.toThrow("bad failed");
    await finish("bad", true);
    await refused;
    expect(started).toEqual(["bad", "next"]);
    await finish("next");
    await expect(next).resolves.toHaveLength(1);
  });
});
