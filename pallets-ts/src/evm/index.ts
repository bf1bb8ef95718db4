import { keccak256 as keccakOf } from "@darwin/crypto";
import {
  bytes as bytesCodec,
  bytesEqual,
  type Codec,
  option,
  struct,
  tuple,
  u64,
  u256,
  vec,
} from "@darwin/scale";
import { type Block, createBlock } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import {
  createEVM,
  type EVM,
  type EVMBN254Interface,
  type EVMMockBlockchainInterface,
  type ExecResult,
  type Log,
  Message,
  type PrecompileInput,
} from "@ethereumjs/evm";
import { createTx, type FeeMarket1559Tx, type LegacyTx, type TypedTransaction } from "@ethereumjs/tx";
import { Account, Address, bytesToHex } from "@ethereumjs/util";
import { createVM, type RunTxResult, runTx, type VM } from "@ethereumjs/vm";
import type { Externalities } from "../support/externalities.ts";
import {
  type Ctx,
  call,
  DispatchError,
  definePallet,
  ensureSigned,
  type PostDispatchInfo,
  palletError,
} from "../support/pallet.ts";
import { H160, H256, minBig, weight } from "../support/types.ts";
import { blockNumber, Account as SystemAccount, writeAccount } from "../system/index.ts";
import { Now } from "../timestamp/index.ts";
import type { OnChargeTransaction } from "../transaction-payment/index.ts";
import { createMclBn254 } from "./bn254-mcl.ts";
import { createDarwinCommon, DARWIN_DEV_CHAIN_ID } from "./common.ts";
import { installInterpreterPatches } from "./interpreter-patches.ts";
import {
  type DarwinPrecompile,
  outOfGasResult,
  PRECOMPILE_DUMMY_CODE,
  type PrecompileHandle,
  PrecompileOutOfGas,
  PrecompileRevert,
  revertResult,
} from "./precompiles/framework.ts";
import { RuntimeStateManager } from "./state.ts";
import { AccountCodes, AccountCodesMetadata, AccountStorages } from "./storage.ts";

export * from "./bn254-mcl.ts";
export * from "./common.ts";
export { interpreterPatches } from "./interpreter-patches.ts";
export * from "./precompiles/index.ts";
export * from "./state.ts";
export * from "./storage.ts";

export const EVM_PALLET = "EVM";

/** `ethereum::log::Log`, as pallet-evm's `Log` event and Ethereum receipts carry it. */
export interface EthLog {
  readonly address: Uint8Array;
  readonly topics: Uint8Array[];
  readonly data: Uint8Array;
}
export const EthLogCodec: Codec<EthLog> = struct<EthLog>(
  { address: H160, topics: vec(H256), data: bytesCodec },
  { path: ["ethereum", "log", "Log"], typeNames: { address: "H160", topics: "Vec<H256>", data: "Bytes" } },
);

/** The coinbase ethereumjs pays priority fees to; the runner forwards it to OnChargeTransaction. */
export const FEE_POT_ADDRESS = new Uint8Array(20).fill(0xfe);

export interface EvmConfig {
  readonly chainId?: bigint;
  /** Gas a block may use (Frontier: normal dispatch weight / weight per gas). */
  readonly blockGasLimit: bigint;
  /** ref_time weight per unit of gas (Frontier's GasWeightMapping). */
  readonly weightPerGas: bigint;
  readonly onCharge: () => OnChargeTransaction;
  /** The base fee of the block being built (the BaseFee pallet). */
  readonly baseFee: (ext: Externalities) => bigint;
  readonly precompiles?: readonly DarwinPrecompile[];
  /** BLOCKHASH: the Ethereum block hash of block `n` (the Ethereum pallet's BlockHash). */
  readonly blockHash?: (ext: Externalities, n: bigint) => Uint8Array;
  /** The alt_bn128 backend of 0x06-0x08; mcl-wasm (about 4x ethereumjs's @noble default) if unset. */
  readonly bn254?: EVMBN254Interface;
  /** Plain value transfers without the interpreter (default true); see `EvmRunner.plainTransfer`. */
  readonly plainTransfers?: boolean;
}

export interface ExecutionInfo {
  readonly success: boolean;
  readonly reverted: boolean;
  /** `Succeed`, `Revert`, or `Error(<ethereumjs exception>)`. */
  readonly exitReason: string;
  readonly gasUsed: bigint;
  readonly returnData: Uint8Array;
  readonly createdAddress: Uint8Array | undefined;
  readonly logs: EthLog[];
  readonly bloom: Uint8Array;
  /** Everything the sender paid for gas (base fee and tip). */
  readonly fee: bigint;
  readonly effectiveGasPrice: bigint;
}

/** A transaction ethereumjs refused before running it (nonce, balance, fee, gas). */
export class EvmValidationError extends Error {
  readonly code = "EvmValidation";
}

/** pallet-evm deposits one `Log` event per log of a successful execution, whatever its entry. */
function depositLogs(ctx: Ctx, logs: readonly Log[] | undefined): void {
  for (const [address, topics, data] of logs ?? [])
    ctx.deposit(EVM_PALLET, "Log", { log: { address, topics, data } });
}

function toLogs(logs: readonly Log[] | undefined): EthLog[] {
  return (logs ?? []).map(([address, topics, data]) => ({ address, topics, data }));
}

/** A one-at-a-time queue: the state manager is bound to one execution's storage at a time. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => {
      release = r;
    });
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/** Runs Ethereum transactions on runtime storage: the core pallet-evm's Runner provides. */
export class EvmRunner {
  readonly common: Common;
  readonly chainId: bigint;
  readonly config: EvmConfig;
  readonly state: RuntimeStateManager;
  private vm: VM | undefined;
  private vmInit: Promise<VM> | undefined;
  private readonly mutex = new Mutex();
  private readonly precompiles: readonly DarwinPrecompile[];
  private currentCtx: Ctx | undefined;
  private lastMessage: Message | undefined;
  private origin: Uint8Array = new Uint8Array(20);
  private blockCache: { key: string; block: Block } | undefined;
  /**
   * Whether plain value transfers skip the interpreter (see `plainTransfer`). On by default; the
   * differential test turns it off to compare both paths.
   */
  plainTransfers: boolean;

  constructor(config: EvmConfig) {
    this.config = config;
    this.chainId = config.chainId ?? DARWIN_DEV_CHAIN_ID;
    this.common = createDarwinCommon(this.chainId);
    this.state = new RuntimeStateManager(FEE_POT_ADDRESS);
    this.precompiles = config.precompiles ?? [];
    this.plainTransfers = config.plainTransfers ?? true;
  }

  get precompileList(): readonly DarwinPrecompile[] {
    return this.precompiles;
  }

  private async getVm(): Promise<VM> {
    if (this.vm) return this.vm;
    this.vmInit ??= (async () => {
      await installInterpreterPatches();
      const evm: EVM = await createEVM({
        common: this.common,
        stateManager: this.state,
        customPrecompiles: this.precompiles.map((p) => ({
          address: new Address(p.address),
          function: (input: PrecompileInput) => this.runPrecompile(p, input),
        })),
        bn254: this.config.bn254 ?? (await createMclBn254()),
        blockchain: this.blockchain(),
      });
      evm.events.on("beforeMessage", (m: Message) => {
        this.lastMessage = m;
      });
      const vm = await createVM({ common: this.common, stateManager: this.state, evm });
      this.vm = vm;
      return vm;
    })();
    return this.vmInit;
  }

  /** The ethereumjs block the current Substrate block executes as (number, time, base fee). */
  private block(ext: Externalities): Block {
    const number = BigInt(blockNumber(ext));
    const timestamp = Now.get(ext) / 1000n;
    const baseFeePerGas = this.config.baseFee(ext);
    const key = `${number}:${timestamp}:${baseFeePerGas}`;
    if (this.blockCache?.key === key) return this.blockCache.block;
    const block = createBlock(
      {
        header: {
          number,
          timestamp,
          gasLimit: this.config.blockGasLimit,
          baseFeePerGas,
          coinbase: new Address(FEE_POT_ADDRESS),
        },
      },
      { common: this.common, skipConsensusFormatValidation: true },
    );
    this.blockCache = { key, block };
    return block;
  }

  /** What BLOCKHASH reads: the hashes the Ethereum pallet stored for past blocks. */
  private blockchain(): EVMMockBlockchainInterface {
    const chain: EVMMockBlockchainInterface = {
      getBlock: async (n: number) => {
        const ctx = this.currentCtx;
        const hash =
          ctx && this.config.blockHash ? this.config.blockHash(ctx.ext, BigInt(n)) : new Uint8Array(32);
        return { hash: () => hash };
      },
      putBlock: async () => {},
      shallowCopy: () => chain,
    };
    return chain;
  }

  /** The base fee per gas of the block being built (the BaseFee pallet's). */
  baseFee(ext: Externalities): bigint {
    return this.config.baseFee(ext);
  }

  /**
   * Executes a transaction for `sender` and settles its fee through OnChargeTransaction: ethereumjs
   * debits the sender (gas used x effective price) and credits the tip to the fee pot; the runner then
   * hands the whole fee to the same hook Substrate fees use (burn half, half plus tip to the author).
   */
  async transact(ctx: Ctx, tx: TypedTransaction, sender: Uint8Array): Promise<ExecutionInfo> {
    const vm = await this.getVm();
    return this.mutex.run(async () => {
      const depth = ctx.ext.transactionDepth;
      this.state.bind(ctx);
      this.currentCtx = ctx;
      this.origin = sender;
      try {
        const block = this.block(ctx.ext);
        if (this.plainTransfers) {
          const plain = await this.plainTransfer(ctx, tx, sender, block.header.baseFeePerGas ?? 0n);
          if (plain) return plain;
        }
        let result: RunTxResult;
        try {
          result = await runTx(vm, {
            tx,
            block,
            skipHardForkValidation: true,
            skipBlockGasLimitValidation: true,
          });
        } catch (err) {
          throw new EvmValidationError((err as Error).message);
        }
        this.state.invalidate();
        const tipPot = this.state.takeFeePot();
        const baseFeePart = result.amountSpent - result.minerValue;
        this.config.onCharge().correctAndDepositFee(ctx, sender, baseFeePart, tipPot, baseFeePart + tipPot);
        const exec = result.execResult;
        depositLogs(ctx, exec.logs);
        const error = exec.exceptionError;
        const reverted = error?.error === "revert";
        return {
          success: error === undefined,
          reverted,
          exitReason: error === undefined ? "Succeed" : reverted ? "Revert" : `Error(${error.error})`,
          gasUsed: result.totalGasSpent,
          returnData: exec.returnValue,
          createdAddress: error === undefined ? result.createdAddress?.bytes : undefined,
          logs: toLogs(exec.logs),
          bloom: result.bloom.bitvector,
          fee: result.amountSpent,
          effectiveGasPrice: result.totalGasSpent === 0n ? 0n : result.amountSpent / result.totalGasSpent,
        };
      } finally {
        // An exception thrown between an EVM checkpoint and its commit must not leave layers open.
        while (ctx.ext.transactionDepth > depth) ctx.ext.rollbackTransaction();
        this.state.bind(undefined);
        this.currentCtx = undefined;
      }
    });
  }

  /**
   * A value transfer to an account without code, with no calldata and no authorizations: the writes
   * runTx would make (sender nonce, fee and value; recipient value, through the same state manager)
   * and the same fee settlement, without ethereumjs's interpreter, journal, receipt and event
   * machinery (about two thirds of an ETH transfer's cost). Anything else, or any transaction runTx
   * would refuse, returns undefined and takes the general path, which then reports the refusal.
   * `runtime-spec/test/evm-plain-transfer.test.ts` checks that both paths give identical state
   * roots, events and receipts.
   */
  private async plainTransfer(
    ctx: Ctx,
    tx: TypedTransaction,
    sender: Uint8Array,
    baseFee: bigint,
  ): Promise<ExecutionInfo | undefined> {
    const to = tx.to;
    if (tx.type > 2 || to === undefined || tx.data.length > 0 || tx.value === 0n) return undefined;
    const target = to.bytes;
    // Precompiles (0x01-0x11, Darwin's from 0x0800) and the virtual fee pot are not plain accounts.
    if (isLowAddress(target) || bytesEqual(target, FEE_POT_ADDRESS) || bytesEqual(target, sender))
      return undefined;
    if (this.state.hasCode(to)) return undefined;
    const from = new Address(sender);
    const account = this.state.readAccount(from);
    if (account === undefined || account.nonce !== tx.nonce) return undefined;
    const maxFee = maxFeePerGas(tx);
    if (maxFee < baseFee) return undefined;
    const tip = tipPerGas(tx, baseFee);
    if (account.balance < tx.gasLimit * maxFee + tx.value) return undefined;
    // Without calldata the EIP-7623 floor (21,000) never exceeds the intrinsic gas.
    const gasUsed = tx.getIntrinsicGas();
    if (gasUsed > tx.gasLimit) return undefined;
    const gasPrice = baseFee + tip;
    const fee = gasUsed * gasPrice;
    account.nonce += 1n;
    account.balance -= fee + tx.value;
    await this.state.putAccount(from, account);
    const recipient = this.state.readAccount(to) ?? new Account();
    recipient.balance += tx.value;
    await this.state.putAccount(to, recipient);
    const tipPaid = gasUsed * tip;
    this.config.onCharge().correctAndDepositFee(ctx, sender, fee - tipPaid, tipPaid, fee);
    this.state.invalidate();
    return {
      success: true,
      reverted: false,
      exitReason: "Succeed",
      gasUsed,
      returnData: new Uint8Array(0),
      createdAddress: undefined,
      logs: [],
      bloom: new Uint8Array(256),
      fee,
      effectiveGasPrice: gasPrice,
    };
  }

  /**
   * Runs a call without keeping its effects (eth_call, eth_estimateGas): balance checks are skipped,
   * no fee is taken, every write is rolled back; `gasUsed` includes the intrinsic gas.
   */
  async simulate(
    ctx: Ctx,
    opts: { from: Uint8Array; to?: Uint8Array; data: Uint8Array; value?: bigint; gasLimit?: bigint },
  ): Promise<ExecutionInfo> {
    const vm = await this.getVm();
    return this.mutex.run(async () => {
      const depth = ctx.ext.transactionDepth;
      this.state.bind(ctx);
      this.currentCtx = ctx;
      this.origin = opts.from;
      ctx.ext.startTransaction();
      try {
        const block = this.block(ctx.ext);
        await vm.evm.journal.cleanup();
        const res = await vm.evm.runCall({
          block,
          caller: new Address(opts.from),
          origin: new Address(opts.from),
          ...(opts.to ? { to: new Address(opts.to) } : {}),
          data: opts.data,
          value: opts.value ?? 0n,
          gasLimit: opts.gasLimit ?? this.config.blockGasLimit,
          skipBalance: true,
        });
        const exec = res.execResult;
        const error = exec.exceptionError;
        const reverted = error?.error === "revert";
        // What a transaction would pay: execution plus intrinsic gas (eth_estimateGas reads it).
        const intrinsic = createTx(
          { type: 2, data: opts.data, ...(opts.to ? { to: opts.to } : {}) },
          { common: this.common },
        ).getIntrinsicGas();
        return {
          success: error === undefined,
          reverted,
          exitReason: error === undefined ? "Succeed" : reverted ? "Revert" : `Error(${error.error})`,
          gasUsed: intrinsic + exec.executionGasUsed,
          returnData: exec.returnValue,
          createdAddress: res.createdAddress?.bytes,
          logs: toLogs(exec.logs),
          bloom: new Uint8Array(256),
          fee: 0n,
          effectiveGasPrice: 0n,
        };
      } finally {
        vm.evm.journal.cleanJournal();
        this.state.originalStorageCache.clear();
        ctx.ext.rollbackTransaction();
        // An exception thrown between an EVM checkpoint and its commit must not leave layers open.
        while (ctx.ext.transactionDepth > depth) ctx.ext.rollbackTransaction();
        this.state.bind(undefined);
        this.currentCtx = undefined;
      }
    });
  }

  /**
   * CREATE2 from a Substrate origin. ethereumjs's runTx has no salted creation, so this path does
   * what runTx does around `evm.runCall` itself: intrinsic gas, fee withdrawal and settlement.
   */
  async transactCreate2(
    ctx: Ctx,
    tx: TypedTransaction,
    sender: Uint8Array,
    salt: Uint8Array,
  ): Promise<ExecutionInfo> {
    const vm = await this.getVm();
    return this.mutex.run(async () => {
      const depth = ctx.ext.transactionDepth;
      this.state.bind(ctx);
      this.currentCtx = ctx;
      this.origin = sender;
      try {
        const block = this.block(ctx.ext);
        const baseFee = block.header.baseFeePerGas ?? 0n;
        const t = tx as FeeMarket1559Tx;
        if (t.maxFeePerGas < baseFee)
          throw new EvmValidationError(
            `maxFeePerGas (${t.maxFeePerGas}) is less than the block's baseFeePerGas (${baseFee})`,
          );
        const tip = tipPerGas(tx, baseFee);
        const price = baseFee + tip;
        const intrinsic = tx.getIntrinsicGas();
        if (tx.gasLimit < intrinsic)
          throw new EvmValidationError(`gas limit ${tx.gasLimit} is below the intrinsic gas ${intrinsic}`);
        const upfront = tx.gasLimit * price;
        if (SystemAccount.get(ctx.ext, sender).data.free < upfront + tx.value)
          throw new EvmValidationError("sender doesn't have enough funds to send tx");
        const onCharge = this.config.onCharge();
        const withdrawn = onCharge.withdrawFee(ctx, sender, upfront, 0n);
        this.state.invalidate();
        await vm.evm.journal.cleanup();
        await vm.evm.journal.checkpoint();
        let res: Awaited<ReturnType<EVM["runCall"]>>;
        try {
          res = await vm.evm.runCall({
            block,
            caller: new Address(sender),
            origin: new Address(sender),
            gasPrice: price,
            data: tx.data,
            value: tx.value,
            gasLimit: tx.gasLimit - intrinsic,
            salt,
          });
          await vm.evm.journal.commit();
        } catch (e) {
          await vm.evm.journal.revert();
          throw e;
        } finally {
          vm.evm.journal.cleanJournal();
          this.state.originalStorageCache.clear();
        }
        const exec = res.execResult;
        depositLogs(ctx, exec.logs);
        let used = intrinsic + exec.executionGasUsed;
        const refund = exec.gasRefund ?? 0n;
        used -= refund < used / 5n ? refund : used / 5n;
        this.state.invalidate();
        this.state.takeFeePot();
        onCharge.correctAndDepositFee(ctx, sender, used * baseFee, used * tip, withdrawn);
        const error = exec.exceptionError;
        const reverted = error?.error === "revert";
        return {
          success: error === undefined,
          reverted,
          exitReason: error === undefined ? "Succeed" : reverted ? "Revert" : `Error(${error.error})`,
          gasUsed: used,
          returnData: exec.returnValue,
          createdAddress: error === undefined ? res.createdAddress?.bytes : undefined,
          logs: toLogs(exec.logs),
          bloom: new Uint8Array(256),
          fee: used * price,
          effectiveGasPrice: price,
        };
      } finally {
        // An exception thrown between an EVM checkpoint and its commit must not leave layers open.
        while (ctx.ext.transactionDepth > depth) ctx.ext.rollbackTransaction();
        this.state.bind(undefined);
        this.currentCtx = undefined;
      }
    });
  }

  private async runPrecompile(p: DarwinPrecompile, input: PrecompileInput): Promise<ExecResult> {
    const ctx = this.currentCtx;
    const m = this.lastMessage;
    if (!ctx || !m) return revertResult(0n, new Uint8Array(0));
    const logs: Log[] = [];
    const evm = input._EVM;
    const depth = m.depth;
    const handle: PrecompileHandle = {
      ctx,
      address: p.address,
      caller: m.caller.bytes,
      origin: this.origin,
      value: m.value,
      isStatic: m.isStatic,
      isDelegateCall: m.delegatecall,
      depth,
      gasLimit: input.gasLimit,
      input: input.data,
      evm,
      gasUsed: 0n,
      charge(gas) {
        this.gasUsed += gas;
        if (this.gasUsed > input.gasLimit) throw new PrecompileOutOfGas("out of gas");
      },
      log(topics, data) {
        logs.push([p.address, [...topics], data]);
      },
      subcall: async (opts) => {
        const message = new Message({
          caller: new Address(opts.caller),
          to: new Address(opts.to),
          value: opts.value,
          data: opts.data,
          gasLimit: opts.gasLimit,
          depth: depth + 1,
          isStatic: false,
        });
        this.state.invalidate();
        const res = await (evm as EVM).runCall({ message });
        this.state.invalidate();
        const err = res.execResult.exceptionError;
        if (err === undefined && res.execResult.logs) logs.push(...res.execResult.logs);
        return {
          success: err === undefined,
          reverted: err?.error === "revert",
          returnData: res.execResult.returnValue,
          gasUsed: res.execResult.executionGasUsed,
        };
      },
    };
    // Precompiles write storage directly (Currency, their own maps): cached accounts go stale.
    this.state.invalidate();
    try {
      if (m.delegatecall) throw new PrecompileRevert("cannot be called with DELEGATECALL or CALLCODE");
      const out = await p.execute(handle);
      this.state.invalidate();
      return { returnValue: out, executionGasUsed: handle.gasUsed, logs };
    } catch (err) {
      this.state.invalidate();
      if (err instanceof PrecompileOutOfGas) return outOfGasResult(input.gasLimit);
      if (err instanceof PrecompileRevert) return revertResult(handle.gasUsed, err.data);
      if (err instanceof DispatchError)
        return revertResult(handle.gasUsed, new PrecompileRevert(err.message).data);
      throw err;
    }
  }
}

/** The most a transaction pays per gas: `maxFeePerGas` (EIP-1559 and later) or `gasPrice`. */
export function maxFeePerGas(tx: TypedTransaction): bigint {
  return "maxFeePerGas" in tx ? (tx.maxFeePerGas as bigint) : (tx as LegacyTx).gasPrice;
}

/** What goes to the author per gas over `baseFee`: the priority fee, capped by the room under the max fee. */
export function tipPerGas(tx: TypedTransaction, baseFee: bigint): bigint {
  const max = maxFeePerGas(tx);
  const room = max > baseFee ? max - baseFee : 0n;
  return "maxPriorityFeePerGas" in tx ? minBig(tx.maxPriorityFeePerGas as bigint, room) : room;
}

/** Addresses up to 0xffff: the standard precompiles and Darwin's (0x0800 and up). */
function isLowAddress(a: Uint8Array): boolean {
  for (let i = 0; i < 18; i++) if (a[i] !== 0) return false;
  return true;
}

/** The impersonated transaction a Substrate `evm.call`/`create` runs as (its origin signed the extrinsic). */
function substrateTx(
  runner: EvmRunner,
  ext: Externalities,
  source: Uint8Array,
  args: {
    to?: Uint8Array;
    input: Uint8Array;
    value: bigint;
    gasLimit: bigint;
    maxFeePerGas: bigint;
    maxPriorityFeePerGas: bigint | undefined;
    accessList: [Uint8Array, Uint8Array[]][];
  },
): TypedTransaction {
  const nonce = BigInt(SystemAccount.get(ext, source).nonce);
  const tx = createTx(
    {
      type: 2,
      chainId: runner.chainId,
      nonce,
      maxFeePerGas: args.maxFeePerGas,
      maxPriorityFeePerGas: args.maxPriorityFeePerGas ?? 0n,
      gasLimit: args.gasLimit,
      ...(args.to ? { to: args.to } : {}),
      value: args.value,
      data: args.input,
      accessList: args.accessList.map(([address, keys]) => ({
        address: bytesToHex(address),
        storageKeys: keys.map((k) => bytesToHex(k)),
      })),
    },
    { common: runner.common, freeze: false },
  );
  // The origin's Ethereum signature was checked by the executive on the extrinsic itself.
  const sender = new Address(source);
  Object.assign(tx, { getSenderAddress: () => sender, isSigned: () => true });
  return tx;
}

const AccessList = vec(tuple(H160, vec(H256)));

export function createEvmPallet(config: EvmConfig) {
  const runner = new EvmRunner(config);
  const err = (name: string) => palletError(EVM_PALLET, name);
  const gasWeight = (gas: bigint) => weight(gas * config.weightPerGas);

  function mapValidation(e: unknown): never {
    if (!(e instanceof EvmValidationError)) throw e;
    const m = e.message;
    if (m.includes("nonce")) throw err("InvalidNonce");
    if (m.includes("enough funds") || m.includes("balance")) throw err("BalanceLow");
    if (m.includes("baseFeePerGas") || m.includes("maxFeePerGas")) throw err("GasPriceTooLow");
    if (m.includes("gas limit") || m.includes("gasLimit") || m.includes("intrinsic"))
      throw err("GasLimitTooLow");
    throw err("Undefined");
  }

  async function execute(
    ctx: Ctx,
    source: Uint8Array,
    args: Parameters<typeof substrateTx>[3] & { salt?: Uint8Array; nonce: bigint | undefined },
  ): Promise<{ info: ExecutionInfo; post: PostDispatchInfo }> {
    if (args.gasLimit > config.blockGasLimit) throw err("GasLimitTooHigh");
    if (args.nonce !== undefined && args.nonce !== BigInt(SystemAccount.get(ctx.ext, source).nonce))
      throw err("InvalidNonce");
    const tx = substrateTx(runner, ctx.ext, source, args);
    let info: ExecutionInfo;
    try {
      info = await (args.salt
        ? runner.transactCreate2(ctx, tx, source, args.salt)
        : runner.transact(ctx, tx, source));
    } catch (e) {
      mapValidation(e);
    }
    return { info, post: { actualWeight: gasWeight(info.gasUsed), paysFee: { type: "No" } } };
  }

  const callArgs = {
    source: H160,
    target: H160,
    input: bytesCodec,
    value: u256,
    gas_limit: u64,
    max_fee_per_gas: u256,
    max_priority_fee_per_gas: option(u256),
    nonce: option(u256),
    access_list: AccessList,
  };
  const createArgs = {
    source: H160,
    init: bytesCodec,
    value: u256,
    gas_limit: u64,
    max_fee_per_gas: u256,
    max_priority_fee_per_gas: option(u256),
    nonce: option(u256),
    access_list: AccessList,
  };
  interface CreateArgs {
    source: Uint8Array;
    init: Uint8Array;
    value: bigint;
    gas_limit: bigint;
    max_fee_per_gas: bigint;
    max_priority_fee_per_gas: bigint | undefined;
    nonce: bigint | undefined;
    access_list: [Uint8Array, Uint8Array[]][];
  }
  const checkSource = (origin: Parameters<typeof ensureSigned>[0], source: Uint8Array) => {
    if (!bytesEqual(ensureSigned(origin), source)) throw DispatchError.badOrigin();
  };
  async function create(ctx: Ctx, a: CreateArgs, salt?: Uint8Array): Promise<PostDispatchInfo> {
    const { info, post } = await execute(ctx, a.source, {
      input: a.init,
      value: a.value,
      gasLimit: a.gas_limit,
      maxFeePerGas: a.max_fee_per_gas,
      maxPriorityFeePerGas: a.max_priority_fee_per_gas,
      accessList: a.access_list,
      nonce: a.nonce,
      ...(salt ? { salt } : {}),
    });
    const address = info.createdAddress ?? new Uint8Array(20);
    if (info.success) ctx.deposit(EVM_PALLET, "Created", { address });
    else ctx.deposit(EVM_PALLET, "CreatedFailed", { address });
    return post;
  }

  const pallet = definePallet<{ accounts: readonly GenesisAccount[] }>({
    name: EVM_PALLET,
    modulePath: ["pallet_evm", "pallet"],
    storage: [AccountCodes, AccountCodesMetadata, AccountStorages],
    calls: {
      call: call<{
        source: Uint8Array;
        target: Uint8Array;
        input: Uint8Array;
        value: bigint;
        gas_limit: bigint;
        max_fee_per_gas: bigint;
        max_priority_fee_per_gas: bigint | undefined;
        nonce: bigint | undefined;
        access_list: [Uint8Array, Uint8Array[]][];
      }>({
        index: 1,
        args: callArgs,
        weight: (a) => gasWeight(a.gas_limit),
        docs: ["Issue an EVM call operation. This is similar to a message call transaction in Ethereum."],
        dispatch: async (ctx, origin, a) => {
          checkSource(origin, a.source);
          const { info, post } = await execute(ctx, a.source, {
            to: a.target,
            input: a.input,
            value: a.value,
            gasLimit: a.gas_limit,
            maxFeePerGas: a.max_fee_per_gas,
            maxPriorityFeePerGas: a.max_priority_fee_per_gas,
            accessList: a.access_list,
            nonce: a.nonce,
          });
          if (info.success) ctx.deposit(EVM_PALLET, "Executed", { address: a.target });
          else ctx.deposit(EVM_PALLET, "ExecutedFailed", { address: a.target });
          return post;
        },
      }),
      create: call<CreateArgs>({
        index: 2,
        args: createArgs,
        weight: (a) => gasWeight(a.gas_limit),
        docs: [
          "Issue an EVM create operation. This is similar to a contract creation transaction in Ethereum.",
        ],
        dispatch: (ctx, origin, a) => {
          checkSource(origin, a.source);
          return create(ctx, a);
        },
      }),
      create2: call<CreateArgs & { salt: Uint8Array }>({
        index: 3,
        args: { ...createArgs, salt: H256 } as never,
        weight: (a) => gasWeight(a.gas_limit),
        docs: ["Issue an EVM create2 operation."],
        dispatch: (ctx, origin, a) => {
          checkSource(origin, a.source);
          return create(ctx, a, a.salt);
        },
      }),
    },
    events: {
      Log: {
        index: 0,
        fields: { log: EthLogCodec },
        typeNames: { log: "Log" },
        docs: ["Ethereum events from contracts."],
      },
      Created: {
        index: 1,
        fields: { address: H160 },
        typeNames: { address: "H160" },
        docs: ["A contract has been created at given address."],
      },
      CreatedFailed: {
        index: 2,
        fields: { address: H160 },
        typeNames: { address: "H160" },
        docs: ["A contract was attempted to be created, but the execution failed."],
      },
      Executed: {
        index: 3,
        fields: { address: H160 },
        typeNames: { address: "H160" },
        docs: ["A contract has been executed successfully with states applied."],
      },
      ExecutedFailed: {
        index: 4,
        fields: { address: H160 },
        typeNames: { address: "H160" },
        docs: ["A contract has been executed with errors. States are reverted with only gas fees applied."],
      },
    },
    errors: {
      BalanceLow: { index: 0, docs: ["Not enough balance to perform action"] },
      FeeOverflow: { index: 1, docs: ["Calculating total fee overflowed"] },
      PaymentOverflow: { index: 2, docs: ["Calculating total payment overflowed"] },
      WithdrawFailed: { index: 3, docs: ["Withdraw fee failed"] },
      GasPriceTooLow: { index: 4, docs: ["Gas price is too low."] },
      InvalidNonce: { index: 5, docs: ["Nonce is invalid"] },
      GasLimitTooLow: { index: 6, docs: ["Gas limit is too low."] },
      GasLimitTooHigh: { index: 7, docs: ["Gas limit is too high."] },
      InvalidChainId: { index: 8, docs: ["The chain id is invalid."] },
      InvalidSignature: { index: 9, docs: ["the signature is invalid."] },
      Reentrancy: { index: 10, docs: ["EVM reentrancy"] },
      TransactionMustComeFromEOA: { index: 11, docs: ["EIP-3607,"] },
      Undefined: { index: 12, docs: ["Undefined error."] },
    },
    constants: {
      ChainId: { codec: u64, value: runner.chainId, docs: ["The EVM chain id (EIP-155)."] },
      BlockGasLimit: { codec: u256, value: config.blockGasLimit, docs: ["Gas a block may use."] },
      WeightPerGas: { codec: u64, value: config.weightPerGas, docs: ["ref_time weight per unit of gas."] },
    },
    genesis: {
      default: { accounts: [] },
      build(ctx, cfg) {
        // Solidity checks extcodesize before calling: precompiles need code to be callable.
        for (const p of runner.precompileList) {
          AccountCodes.insert(ctx.ext, p.address, PRECOMPILE_DUMMY_CODE);
          AccountCodesMetadata.insert(ctx.ext, p.address, {
            size: BigInt(PRECOMPILE_DUMMY_CODE.length),
            hash: keccakOf(PRECOMPILE_DUMMY_CODE),
          });
        }
        for (const a of cfg.accounts) {
          if (a.code.length > 0) {
            AccountCodes.insert(ctx.ext, a.address, a.code);
            AccountCodesMetadata.insert(ctx.ext, a.address, {
              size: BigInt(a.code.length),
              hash: keccakOf(a.code),
            });
          }
          for (const [k, v] of a.storage ?? []) AccountStorages.insert(ctx.ext, a.address, k, v);
          // Balances (the Balances genesis) and nonces live in System.Account; an account with code
          // or a nonce is kept alive by a provider, as the EVM's own writes do.
          const nonce = a.nonce ?? 0;
          if (nonce > 0 || a.code.length > 0) {
            const info = SystemAccount.get(ctx.ext, a.address);
            writeAccount(ctx, a.address, {
              ...info,
              nonce: nonce > 0 ? nonce : info.nonce,
              providers: info.providers === 0 ? 1 : info.providers,
            });
          }
        }
      },
    },
  });
  return { pallet, runner };
}

/** Runtime-API reads for RPC (eth_getBalance, eth_getTransactionCount, eth_getCode, eth_getStorageAt). */
export function accountBasic(ext: Externalities, address: Uint8Array): { balance: bigint; nonce: bigint } {
  const info = SystemAccount.get(ext, address);
  return { balance: info.data.free, nonce: BigInt(info.nonce) };
}

export function accountCode(ext: Externalities, address: Uint8Array): Uint8Array {
  return AccountCodes.get(ext, address);
}

export function accountStorage(ext: Externalities, address: Uint8Array, key: Uint8Array): Uint8Array {
  return AccountStorages.get(ext, address, key) ?? new Uint8Array(32);
}

export interface GenesisAccount {
  readonly address: Uint8Array;
  readonly code: Uint8Array;
  readonly storage?: readonly (readonly [Uint8Array, Uint8Array])[];
  /** The account's nonce at genesis (System.Account); its balance is the Balances genesis'. */
  readonly nonce?: number;
}
