// ethereumjs analyses a contract's jump destinations and PUSH immediates on every call into it
// (`Interpreter._getValidJumpDestinations`: a pass over the whole code, ~50 us for a 2 KB ERC-20).
// The result depends only on the code bytes and the EVM's opcode table, so it is kept per
// (opcode table, code array). RuntimeStateManager hands out one array per code hash, so repeated
// calls into a contract hit; a WeakMap lets both be collected. The Interpreter class is not exported
// by @ethereumjs/evm, so its module is loaded by path next to the package's entry point.

interface JumpAnalysis {
  readonly jumps: Uint8Array;
  readonly pushes: Record<number, bigint>;
  readonly opcodesCached: unknown[];
}
interface InterpreterPrototype {
  _getValidJumpDestinations(this: { _evm: object }, code: Uint8Array): JumpAnalysis;
}

const PATCHED = Symbol.for("darwin.jumpdestCache");

let installed = false;

/** Switch for benchmarks and tests: off, every call analyses the code again, as ethereumjs does. */
export const jumpdestCache = { enabled: true };

/** Installs the cache once per process; idempotent. Returns whether the interpreter was found. */
export async function installJumpdestCache(): Promise<boolean> {
  if (installed) return true;
  const entry = import.meta.resolve("@ethereumjs/evm");
  const mod = (await import(new URL("./interpreter.js", entry).href)) as {
    Interpreter?: { prototype: InterpreterPrototype & { [PATCHED]?: true } };
  };
  const proto = mod.Interpreter?.prototype;
  if (!proto || typeof proto._getValidJumpDestinations !== "function") return false;
  if (proto[PATCHED]) {
    installed = true;
    return true;
  }
  const analyse = proto._getValidJumpDestinations;
  const byTable = new WeakMap<object, WeakMap<Uint8Array, JumpAnalysis>>();
  proto._getValidJumpDestinations = function (code: Uint8Array): JumpAnalysis {
    if (!jumpdestCache.enabled) return analyse.call(this, code);
    const table = (this._evm as { _opcodeMap?: object })._opcodeMap ?? this._evm;
    let cache = byTable.get(table);
    if (!cache) {
      cache = new WeakMap();
      byTable.set(table, cache);
    }
    let hit = cache.get(code);
    if (!hit) {
      hit = analyse.call(this, code);
      cache.set(code, hit);
    }
    return hit;
  };
  proto[PATCHED] = true;
  installed = true;
  return true;
}
