import { TransactionPool } from "../src/txpool/index.ts";
import { encodeTx, shuffle, ToyChain } from "./txpool-helpers.ts";
const chain = new ToyChain(50);
const xts: Uint8Array[] = [];
for (let s = 1; s <= 50; s++) for (let n = 0; n < 100; n++) xts.push(encodeTx({ signer: s, nonce: n, tip: (s * 7 + n) % 13 }));
shuffle(xts, 7);
for (let round = 0; round < 5; round++) {
  const c = new ToyChain(50);
  const pool = new TransactionPool({ futureLimit: 5000 }, { validator: c });
  const t0 = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(xts.map((xt) => pool.submit(xt, c.head)));
  const t1 = performance.now();
  const ordered = [...pool.ready()];
  const t2 = performance.now();
  let blocks = 0;
  while (pool.status().ready > 0) { await c.produceBlock(pool, 1000); blocks++; }
  const t3 = performance.now();
  const u = process.cpuUsage(cpu);
  console.log(`round ${round}: submit ${(t1 - t0).toFixed(1)} ms, ready() ${(t2 - t1).toFixed(1)} ms (${ordered.length}), drain ${(t3 - t2).toFixed(1)} ms in ${blocks} blocks, cpu ${((u.user + u.system) / 1000).toFixed(0)} ms`);
}
void chain;
