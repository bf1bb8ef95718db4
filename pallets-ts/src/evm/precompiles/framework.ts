import type { EVMInterface, ExecResult, Log } from "@ethereumjs/evm";
import { EVMError } from "@ethereumjs/evm";
import type { Ctx } from "../../support/pallet.ts";

/** Darwin precompiles start at 0x0800 (Moonbeam's convention); 0x01-0x0a are Ethereum's. */
export function precompileAddress(n: number): Uint8Array {
  const a = new Uint8Array(20);
  a[18] = (n >> 8) & 0xff;
  a[19] = n & 0xff;
  return a;
}

/** Revert, INVALID, INVALID: the code put at each precompile so `extcodesize` checks pass. */
export const PRECOMPILE_DUMMY_CODE = new Uint8Array([0x60, 0x00, 0x60, 0x00, 0xfd]);

/** What a Darwin precompile sees of the call that reached it. ethereumjs gives precompiles only data
 * and gas; the EVM pallet fills the rest from the message it saw in `beforeMessage`. */
export interface PrecompileHandle {
  readonly ctx: Ctx;
  readonly address: Uint8Array;
  readonly caller: Uint8Array;
  readonly origin: Uint8Array;
  readonly value: bigint;
  readonly isStatic: boolean;
  readonly isDelegateCall: boolean;
  readonly depth: number;
  readonly gasLimit: bigint;
  readonly input: Uint8Array;
  readonly evm: EVMInterface;
  /** Gas charged so far; `charge` fails with out-of-gas past the limit. */
  gasUsed: bigint;
  charge(gas: bigint): void;
  log(topics: readonly Uint8Array[], data: Uint8Array): void;
  /** Runs a sub-call as `caller` (Batch, CallPermit); returns its success and output. */
  subcall(opts: {
    caller: Uint8Array;
    to: Uint8Array;
    value: bigint;
    data: Uint8Array;
    gasLimit: bigint;
  }): Promise<{ success: boolean; returnData: Uint8Array; gasUsed: bigint; reverted: boolean }>;
}

export interface DarwinPrecompile {
  readonly name: string;
  readonly address: Uint8Array;
  execute(handle: PrecompileHandle): Promise<Uint8Array> | Uint8Array;
}

/** Thrown by a precompile to revert with data (ABI-encoded `Error(string)` by `revertWith`). */
export class PrecompileRevert extends Error {
  readonly code = "PrecompileRevert";
  readonly data: Uint8Array;
  constructor(message: string, data?: Uint8Array) {
    super(message);
    this.data = data ?? encodeErrorString(message);
  }
}

export class PrecompileOutOfGas extends Error {
  readonly code = "PrecompileOutOfGas";
}

/** ABI `Error(string)`: what Solidity's `require(cond, "reason")` returns. */
export function encodeErrorString(message: string): Uint8Array {
  const utf8 = new TextEncoder().encode(message);
  const padded = Math.ceil(utf8.length / 32) * 32;
  const out = new Uint8Array(4 + 64 + padded);
  out.set([0x08, 0xc3, 0x79, 0xa0]);
  out[4 + 31] = 0x20;
  let len = utf8.length;
  for (let i = 4 + 63; len > 0; i--) {
    out[i] = len & 0xff;
    len >>= 8;
  }
  out.set(utf8, 4 + 64);
  return out;
}

export function revertResult(gasUsed: bigint, data: Uint8Array): ExecResult {
  return {
    returnValue: data,
    executionGasUsed: gasUsed,
    exceptionError: new EVMError(EVMError.errorMessages.REVERT),
  };
}

export function outOfGasResult(gasLimit: bigint): ExecResult {
  return {
    returnValue: new Uint8Array(0),
    executionGasUsed: gasLimit,
    exceptionError: new EVMError(EVMError.errorMessages.OUT_OF_GAS),
  };
}

export type { Log };
