import { keccak256, recoverPublicKey } from "@darwin/crypto";
import { Common, Hardfork, Mainnet, type ParamsDict } from "@ethereumjs/common";

/** Darwin's dev/local EVM chain id (`eth_chainId`); a runtime constant of the EVM pallet. */
export const DARWIN_DEV_CHAIN_ID = 4242n;

/** The recovery id (0/1) of a signature's `v`, for typed (yParity), EIP-155 and pre-EIP-155 forms. */
export function recoveryId(v: bigint, chainId?: bigint): number {
  if (v === 0n || v === 1n) return Number(v);
  if (chainId === undefined) return Number(v - 27n);
  return Number(v - (2n * chainId + 35n));
}

/** ecrecover through the native secp256k1 addon (~0.1 ms against ~1.6 ms in pure JS). */
export function nativeEcrecover(
  msgHash: Uint8Array,
  v: bigint,
  r: Uint8Array,
  s: Uint8Array,
  chainId?: bigint,
): Uint8Array {
  const recid = recoveryId(v, chainId);
  if (recid !== 0 && recid !== 1) throw new Error("invalid signature v value");
  const sig = new Uint8Array(65);
  sig.set(r.length > 32 ? r.subarray(r.length - 32) : r, 32 - Math.min(32, r.length));
  sig.set(s.length > 32 ? s.subarray(s.length - 32) : s, 64 - Math.min(32, s.length));
  sig[64] = recid;
  const pub = recoverPublicKey(msgHash, sig);
  if (!pub) throw new Error("invalid signature: public key could not be recovered");
  return pub.subarray(1);
}

const sealed = new WeakSet<Common>();
const merged = new WeakMap<Common, WeakSet<ParamsDict>>();

/**
 * A `Common` that is never copied. ethereumjs copies the Common and merges its parameter tables
 * again (JSON round trips) for every transaction it constructs, about 0.1 ms each; Darwin never
 * changes hardfork or EIPs at run time, so a copy is the instance itself and each parameter table
 * (transaction, block, EVM, VM) is merged once. Changing the hardfork or EIPs after construction
 * throws instead of silently changing them for every holder.
 */
export class SharedCommon extends Common {
  override copy(): Common {
    return this;
  }

  override updateParams(params: ParamsDict): void {
    let done = merged.get(this);
    if (!done) {
      done = new WeakSet();
      merged.set(this, done);
    }
    if (done.has(params)) return;
    super.updateParams(params);
    done.add(params);
  }

  override setHardfork(hardfork: string | Hardfork): void {
    if (sealed.has(this) && hardfork !== this.hardfork())
      throw new Error(`the shared Common stays at ${this.hardfork()}; ${hardfork} was asked for`);
    super.setHardfork(hardfork);
  }

  override setEIPs(eips: number[] = []): void {
    if (sealed.has(this)) throw new Error("the shared Common's EIPs are fixed at construction");
    super.setEIPs(eips);
  }

  // ethereumjs asks `isActivatedEIP` several times per interpreted opcode and dozens of times per
  // transaction; the base class scans its array of active EIPs (~60) each time. The set is rebuilt
  // whenever that array is replaced (hardfork or EIP changes, before the Common is sealed).
  private eipSetFor: readonly number[] | undefined;
  private eipSet: ReadonlySet<number> = new Set();

  override isActivatedEIP(eip: number): boolean {
    const active = (this as unknown as { _activatedEIPsCache: readonly number[] })._activatedEIPsCache;
    if (active !== this.eipSetFor) {
      this.eipSet = new Set(active);
      this.eipSetFor = active;
    }
    return this.eipSet.has(eip);
  }
}

/** The one `Common` a runtime instance shares between its EVM, its VM and transaction decoding. */
export function createDarwinCommon(chainId: bigint = DARWIN_DEV_CHAIN_ID): Common {
  const common = new SharedCommon({
    chain: { ...Mainnet, name: "darwin", chainId: Number(chainId), bootstrapNodes: [], dnsNetworks: [] },
    hardfork: Hardfork.Prague,
    customCrypto: { ecrecover: nativeEcrecover, keccak256 },
  });
  sealed.add(common);
  return common;
}
