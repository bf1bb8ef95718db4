import { newtype, u32, u256 } from "@darwin/scale";
import type { Externalities } from "../support/externalities.ts";
import { call, definePallet, ensureRoot } from "../support/pallet.ts";
import { storageValue } from "../support/storage.ts";
import { weight } from "../support/types.ts";

export const BASE_FEE = "BaseFee";
const PERMILL = 1_000_000n;
const Permill = newtype(["sp_arithmetic", "per_things", "Permill"], u32, "u32");

export interface BaseFeeConfig {
  /** The base fee at genesis and after `set_base_fee_per_gas` resets (wei per gas). */
  readonly defaultBaseFeePerGas: bigint;
  /** The base fee never falls below this. */
  readonly minBaseFeePerGas: bigint;
  /** The largest relative change per block, in parts per million (EIP-1559: 1/8 = 125,000). */
  readonly defaultElasticity: number;
  /** How full the block was: used and maximum normal-class weight (the EIP-1559 gas fullness). */
  readonly fullness: (ext: Externalities) => { readonly used: bigint; readonly max: bigint };
}

export function createBaseFeePallet(config: BaseFeeConfig) {
  const BaseFeePerGas = storageValue({
    name: "BaseFeePerGas",
    value: u256,
    default: config.defaultBaseFeePerGas,
  });
  const Elasticity = storageValue({
    name: "Elasticity",
    value: Permill,
    default: config.defaultElasticity,
  });

  /**
   * EIP-1559 over block weight, as Frontier's pallet-base-fee: the target is half the normal weight;
   * a full block raises the fee by `elasticity`, an empty one lowers it by as much.
   */
  function nextBaseFee(current: bigint, used: bigint, max: bigint, elasticity: bigint): bigint {
    if (max <= 0n) return current;
    const target = max / 2n;
    const u = used > max ? max : used;
    if (u === target) return current;
    if (u > target) {
      const delta = (current * (u - target) * elasticity) / (target * PERMILL);
      return current + (delta > 0n ? delta : 1n);
    }
    const delta = (current * (target - u) * elasticity) / (target * PERMILL);
    const next = current - delta;
    if (next < config.minBaseFeePerGas) return config.minBaseFeePerGas;
    return next;
  }

  const pallet = definePallet<{ baseFeePerGas: bigint; elasticity: number }>({
    name: BASE_FEE,
    modulePath: ["pallet_base_fee", "pallet"],
    storage: [BaseFeePerGas, Elasticity],
    calls: {
      set_base_fee_per_gas: call<{ fee: bigint }>({
        index: 0,
        args: { fee: u256 },
        weight: () => weight(10_000_000n),
        dispatch: (ctx, origin, { fee }) => {
          ensureRoot(origin);
          BaseFeePerGas.set(ctx.ext, fee);
          ctx.deposit(BASE_FEE, "NewBaseFeePerGas", { fee });
        },
      }),
      set_elasticity: call<{ elasticity: number }>({
        index: 2,
        args: { elasticity: Permill },
        weight: () => weight(10_000_000n),
        dispatch: (ctx, origin, { elasticity }) => {
          ensureRoot(origin);
          Elasticity.set(ctx.ext, elasticity);
          ctx.deposit(BASE_FEE, "NewElasticity", { elasticity });
        },
      }),
    },
    events: {
      NewBaseFeePerGas: { index: 0, fields: { fee: u256 }, typeNames: { fee: "U256" } },
      BaseFeeOverflow: { index: 1 },
      NewElasticity: { index: 2, fields: { elasticity: Permill }, typeNames: { elasticity: "Permill" } },
    },
    hooks: {
      onFinalize(ctx) {
        const { used, max } = config.fullness(ctx.ext);
        const current = BaseFeePerGas.get(ctx.ext);
        const next = nextBaseFee(current, used, max, BigInt(Elasticity.get(ctx.ext)));
        if (next !== current) BaseFeePerGas.set(ctx.ext, next);
      },
    },
    genesis: {
      default: { baseFeePerGas: config.defaultBaseFeePerGas, elasticity: config.defaultElasticity },
      build(ctx, cfg) {
        BaseFeePerGas.set(ctx.ext, cfg.baseFeePerGas);
        Elasticity.set(ctx.ext, cfg.elasticity);
      },
    },
  });

  return {
    pallet,
    BaseFeePerGas,
    Elasticity,
    nextBaseFee,
    /** The base fee transactions of the current block pay. */
    baseFee: (ext: Externalities): bigint => BaseFeePerGas.get(ext),
  };
}
