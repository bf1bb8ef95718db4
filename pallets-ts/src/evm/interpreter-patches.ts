// Darwin's two changes to ethereumjs's interpreter, installed once per process on its prototype (the
// Interpreter class is not exported by @ethereumjs/evm, so its modules are loaded by path next to the
// package's entry point), each with a switch so tests and benchmarks can run ethereumjs unchanged:
//
// - The loop. ethereumjs awaits an async `runStep` for every opcode, and each step asks the Common
//   twice whether stateless EIPs (6800, 7864) are active and the event emitter whether anyone listens
//   to `step`. Most opcodes (PUSH, DUP, SWAP, arithmetic, JUMP...) have static gas and a synchronous
//   handler, so that machinery costs more than the opcode. Darwin's loop does what `Interpreter.run`
//   and `runStep` do, for legacy (non-EOF) code with no step listener, no debug logging, no profiler
//   and no stateless EIP, awaiting only the gas and opcode handlers that are asynchronous; anything
//   else runs the original loop. `runtime-spec/test/evm-interpreter-loop.test.ts` runs the same blocks
//   both ways and compares results, logs, gas and state roots.
// - The jump analysis cache. ethereumjs analyses a contract's jump destinations and PUSH immediates on
//   every call into it (a pass over the whole code, ~50 us for a 2 KB ERC-20). The result depends only
//   on the code bytes and the opcode table, so it is kept per (opcode table, code array);
//   RuntimeStateManager hands out one array per code hash, so repeated calls into a contract hit, and
//   WeakMaps let both be collected.

interface OpcodeInfo {
  readonly code: number;
  readonly feeBigInt: bigint;
  readonly dynamicGas: boolean;
  readonly isAsync: boolean;
  readonly isInvalid: boolean;
}
interface OpEntry {
  readonly opcodeInfo: OpcodeInfo;
  readonly opHandler: (runState: RunState, common: CommonLike) => unknown;
  readonly gasHandler: (runState: RunState, gas: bigint, common: CommonLike) => Promise<bigint> | bigint;
}
interface CommonLike {
  isActivatedEIP(eip: number): boolean;
}
interface RunState {
  code: Uint8Array;
  programCounter: number;
  opCode: number;
  gasLeft: bigint;
  validJumps: Uint8Array;
  cachedPushes: Record<number, bigint>;
  shouldDoJumpAnalysis: boolean;
  eip8037BurnLeftoverAfterCreateHaltOntoAlive?: boolean;
  env: { accessWitness?: { commit(): void; revert(): void } };
}
interface StackLike {
  pop(): bigint;
  popN(n: number): bigint[];
  push(v: bigint): void;
}
interface MemoryLike {
  read(offset: number, size: number, avoidCopy?: boolean): Uint8Array;
  write(offset: number, size: number, value: Uint8Array): void;
}
interface FastRunState extends RunState {
  readonly stack: StackLike;
  readonly memory: MemoryLike;
  readonly interpreter: { getCallDataSize(): bigint; getCallData(): Uint8Array };
}

interface InterpreterLike {
  readonly common: CommonLike;
  readonly _runState: RunState;
  readonly _evm: { readonly DEBUG: boolean; readonly events: { listenerCount(name: string): number } };
  readonly profilerOpts?: { readonly enabled?: boolean };
  _getValidJumpDestinations(code: Uint8Array): {
    jumps: Uint8Array;
    pushes: Record<number, bigint>;
    opcodesCached: OpEntry[];
  };
  lookupOpInfo(op: number): OpEntry;
  useGas(amount: bigint, context: OpcodeInfo): void;
}
type RunResult = { runState: RunState; exceptionError: unknown };
type Run = (this: InterpreterLike, code: Uint8Array, opts?: { pc?: number }) => Promise<RunResult>;

interface EvmErrorClass {
  new (message: string): unknown;
  readonly errorMessages: {
    readonly STOP: string;
    readonly OUT_OF_GAS: string;
    readonly INVALID_OPCODE: string;
  };
}

const PATCHED = Symbol.for("darwin.interpreterPatches");
const EOF_FORMAT = 0xef;
const JUMP = 0x56;
const JUMPI = 0x57;
const JUMPSUB = 0x5e;

let installed = false;

const MASK64 = (1n << 64n) - 1n;

/** A 256-bit word as 32 big-endian bytes (ethereumjs: hex string, bytes, then a padded copy). */
function wordBytes(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, v >> 192n);
  view.setBigUint64(8, (v >> 128n) & MASK64);
  view.setBigUint64(16, (v >> 64n) & MASK64);
  view.setBigUint64(24, v & MASK64);
  return out;
}

/** 32 big-endian bytes as a 256-bit word (ethereumjs: through a hex string). */
function wordOf(b: Uint8Array): bigint {
  const view = new DataView(b.buffer, b.byteOffset, 32);
  return (
    (view.getBigUint64(0) << 192n) |
    (view.getBigUint64(8) << 128n) |
    (view.getBigUint64(16) << 64n) |
    view.getBigUint64(24)
  );
}

/**
 * Handlers for the hottest memory and calldata opcodes with the same effects as ethereumjs's, minus
 * the conversions between words and bytes through hex strings and array spreads (an ERC-20 transfer
 * runs dozens of MSTOREs). Gas is charged by ethereumjs's own gas handlers, as for every opcode.
 */
const FAST_HANDLERS: ReadonlyMap<number, (rs: FastRunState) => void> = new Map([
  [
    0x51, // MLOAD
    (rs: FastRunState) => {
      const pos = rs.stack.pop();
      rs.stack.push(wordOf(rs.memory.read(Number(pos), 32, true)));
    },
  ],
  [
    0x52, // MSTORE
    (rs: FastRunState) => {
      const [offset, word] = rs.stack.popN(2) as [bigint, bigint];
      rs.memory.write(Number(offset), 32, wordBytes(word));
    },
  ],
  [
    0x35, // CALLDATALOAD
    (rs: FastRunState) => {
      const pos = rs.stack.pop();
      const data = rs.interpreter.getCallData();
      if (pos >= BigInt(data.length)) {
        rs.stack.push(0n);
        return;
      }
      const i = Number(pos);
      if (i + 32 <= data.length) {
        rs.stack.push(wordOf(data.subarray(i, i + 32)));
        return;
      }
      const padded = new Uint8Array(32);
      padded.set(data.subarray(i));
      rs.stack.push(wordOf(padded));
    },
  ],
]);

interface JumpAnalysis {
  readonly jumps: Uint8Array;
  readonly pushes: Record<number, bigint>;
  readonly opcodesCached: OpEntry[];
}
type Analyse = (this: { _evm: object }, code: Uint8Array) => JumpAnalysis;

/** Switches for tests and benchmarks: off, ethereumjs's own loop and analysis run. */
export const interpreterPatches = { loop: true, jumpdestCache: true };

/** Installs both patches once per process; idempotent. Returns whether the interpreter was found. */
export async function installInterpreterPatches(): Promise<boolean> {
  if (installed) return true;
  const entry = import.meta.resolve("@ethereumjs/evm");
  const [interp, errors, eip7928] = (await Promise.all([
    import(new URL("./interpreter.js", entry).href),
    import(new URL("./errors.js", entry).href),
    import(new URL("./opcodes/EIP7928.js", entry).href),
  ])) as [
    { Interpreter?: { prototype: { run: Run; _getValidJumpDestinations: Analyse; [PATCHED]?: true } } },
    { EVMError?: EvmErrorClass; EVMErrorTypeString?: string },
    { consumeEip7928PostTargetCallOog?: (runState: RunState) => void },
  ];
  const proto = interp.Interpreter?.prototype;
  const EVMError = errors.EVMError;
  const errorType = errors.EVMErrorTypeString;
  const consumePostTargetOog = eip7928.consumeEip7928PostTargetCallOog;
  if (
    !proto ||
    !EVMError ||
    !errorType ||
    !consumePostTargetOog ||
    typeof proto.run !== "function" ||
    typeof proto._getValidJumpDestinations !== "function"
  )
    return false;
  if (proto[PATCHED]) {
    installed = true;
    return true;
  }
  const analyse = proto._getValidJumpDestinations;
  const byTable = new WeakMap<object, WeakMap<Uint8Array, JumpAnalysis>>();
  proto._getValidJumpDestinations = function (code: Uint8Array): JumpAnalysis {
    if (!interpreterPatches.jumpdestCache) return analyse.call(this, code);
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

  const original = proto.run;
  const { STOP, OUT_OF_GAS, INVALID_OPCODE } = EVMError.errorMessages;

  proto.run = async function (this: InterpreterLike, code: Uint8Array, opts: { pc?: number } = {}) {
    const common = this.common;
    if (
      !interpreterPatches.loop ||
      (code[0] === EOF_FORMAT && common.isActivatedEIP(3540)) ||
      this.profilerOpts?.enabled === true ||
      this._evm.DEBUG ||
      this._evm.events.listenerCount("step") > 0 ||
      common.isActivatedEIP(6800) ||
      common.isActivatedEIP(7864)
    )
      return original.call(this, code, opts);

    const rs = this._runState;
    rs.code = code;
    rs.programCounter = opts.pc ?? rs.programCounter;
    const start = rs.programCounter;
    if (start !== 0 && (start < 0 || start >= code.length))
      throw new Error("Internal error: program counter not in range");
    let err: unknown;
    let cached: OpEntry[] | undefined;
    while (rs.programCounter < rs.code.length) {
      const pc = rs.programCounter;
      let entry: OpEntry;
      if (cached === undefined) {
        const op = rs.code[pc]!;
        if (op === JUMP || op === JUMPI || op === JUMPSUB) {
          const { jumps, pushes, opcodesCached } = this._getValidJumpDestinations(rs.code);
          rs.validJumps = jumps;
          rs.cachedPushes = pushes;
          rs.shouldDoJumpAnalysis = false;
          cached = opcodesCached;
        }
        rs.opCode = op;
        entry = this.lookupOpInfo(op);
      } else {
        entry = cached[pc]!;
        rs.opCode = entry.opcodeInfo.code;
      }
      try {
        const info = entry.opcodeInfo;
        let gas = info.feeBigInt;
        if (info.dynamicGas) gas = await entry.gasHandler(rs, gas, common);
        if (info.isInvalid) throw new EVMError(INVALID_OPCODE);
        this.useGas(gas, info);
        rs.programCounter++;
        consumePostTargetOog(rs);
        const fast = FAST_HANDLERS.get(info.code);
        if (fast !== undefined) fast(rs as FastRunState);
        else {
          const handler = entry.opHandler;
          if (info.isAsync) await handler(rs, common);
          else handler(rs, common);
        }
        rs.env.accessWitness?.commit();
      } catch (e) {
        rs.env.accessWitness?.revert();
        const evmError = e as { errorType?: unknown; error?: unknown };
        if (typeof e !== "object" || e === null || evmError.errorType !== errorType) throw e;
        if (evmError.error !== STOP) err = e;
        break;
      }
    }
    if (err === undefined && rs.eip8037BurnLeftoverAfterCreateHaltOntoAlive === true && rs.gasLeft > 0n) {
      rs.gasLeft = 0n;
      err = new EVMError(OUT_OF_GAS);
    }
    return { runState: rs, exceptionError: err };
  };
  proto[PATCHED] = true;
  installed = true;
  return true;
}
