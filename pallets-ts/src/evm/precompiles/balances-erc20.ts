import { u256 } from "@darwin/scale";
import { type Abi, parseAbi } from "viem";
import { type Currency, TotalIssuance } from "../../balances/index.ts";
import { storageDoubleMap } from "../../support/storage.ts";
import { H160 } from "../../support/types.ts";
import {
  abiEncode,
  addressTopic,
  bytesOf,
  decodeCall,
  encodeResult,
  ensureNotStatic,
  ensureNoValue,
  topicOf,
} from "./abi.ts";
import { type DarwinPrecompile, PrecompileRevert, precompileAddress } from "./framework.ts";

export const BALANCES_ERC20_ADDRESS = precompileAddress(0x0800);

export const BALANCES_ERC20_ABI: Abi = parseAbi([
  "function name() view returns (string)",
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
  "function totalSupply() view returns (uint256)",
  "function balanceOf(address owner) view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function transfer(address to, uint256 value) returns (bool)",
  "function approve(address spender, uint256 value) returns (bool)",
  "function transferFrom(address from, address to, uint256 value) returns (bool)",
  "event Transfer(address indexed from, address indexed to, uint256 value)",
  "event Approval(address indexed owner, address indexed spender, uint256 value)",
]);

/** ERC-20 allowances, under Moonbeam's storage prefix for its native ERC-20 precompile. */
export const Approves = storageDoubleMap<Uint8Array, Uint8Array, bigint>({
  name: "ApprovesStorage",
  key1: { codec: H160, hasher: "Blake2_128Concat" },
  key2: { codec: H160, hasher: "Blake2_128Concat" },
  keyType: H160,
  value: u256,
});
Approves.bindPallet("Erc20Instance");

const TRANSFER = topicOf("Transfer(address,address,uint256)");
const APPROVAL = topicOf("Approval(address,address,uint256)");
const MAX_U256 = 2n ** 256n - 1n;

// Gas: a storage read is 2,100 in Ethereum; writes and events as an ERC-20 contract would pay.
const GAS_READ = 2_100n;
const GAS_TRANSFER = 30_000n;
const GAS_APPROVE = 25_000n;

/** Native DNA as an ERC-20 token at 0x0800: the same balances `api.query.system.account` reads. */
export function balancesErc20Precompile(
  currency: Currency,
  meta: { name: string; symbol: string; decimals: number } = { name: "Darwin", symbol: "DNA", decimals: 18 },
): DarwinPrecompile {
  const abi = BALANCES_ERC20_ABI;
  return {
    name: "Balances",
    address: BALANCES_ERC20_ADDRESS,
    execute(h) {
      const { functionName, args } = decodeCall(abi, h.input);
      const ext = h.ctx.ext;
      const ret = (v: unknown) => encodeResult(abi, functionName, v);
      const transfer = (from: Uint8Array, to: Uint8Array, value: bigint) => {
        currency.transfer(h.ctx, from, to, value, false);
        h.log([TRANSFER, addressTopic(from), addressTopic(to)], abiEncode([{ type: "uint256" }], [value]));
      };
      switch (functionName) {
        case "name":
          h.charge(GAS_READ);
          return ret(meta.name);
        case "symbol":
          h.charge(GAS_READ);
          return ret(meta.symbol);
        case "decimals":
          h.charge(GAS_READ);
          return ret(meta.decimals);
        case "totalSupply":
          h.charge(GAS_READ);
          return ret(TotalIssuance.get(ext));
        case "balanceOf":
          h.charge(GAS_READ);
          return ret(currency.free(ext, bytesOf(args[0] as `0x${string}`)));
        case "allowance":
          h.charge(GAS_READ);
          return ret(
            Approves.get(ext, bytesOf(args[0] as `0x${string}`), bytesOf(args[1] as `0x${string}`)) ?? 0n,
          );
        case "transfer": {
          ensureNotStatic(h);
          ensureNoValue(h);
          h.charge(GAS_TRANSFER);
          transfer(h.caller, bytesOf(args[0] as `0x${string}`), args[1] as bigint);
          return ret(true);
        }
        case "approve": {
          ensureNotStatic(h);
          ensureNoValue(h);
          h.charge(GAS_APPROVE);
          const spender = bytesOf(args[0] as `0x${string}`);
          const value = args[1] as bigint;
          if (value === 0n) Approves.remove(ext, h.caller, spender);
          else Approves.insert(ext, h.caller, spender, value);
          h.log(
            [APPROVAL, addressTopic(h.caller), addressTopic(spender)],
            abiEncode([{ type: "uint256" }], [value]),
          );
          return ret(true);
        }
        case "transferFrom": {
          ensureNotStatic(h);
          ensureNoValue(h);
          h.charge(GAS_TRANSFER + GAS_APPROVE);
          const from = bytesOf(args[0] as `0x${string}`);
          const to = bytesOf(args[1] as `0x${string}`);
          const value = args[2] as bigint;
          if (!bytesEq(from, h.caller)) {
            const allowed = Approves.get(ext, from, h.caller) ?? 0n;
            if (allowed < value) throw new PrecompileRevert("trying to spend more than allowed");
            if (allowed !== MAX_U256) {
              if (allowed - value === 0n) Approves.remove(ext, from, h.caller);
              else Approves.insert(ext, from, h.caller, allowed - value);
            }
          }
          transfer(from, to, value);
          return ret(true);
        }
        default:
          throw new PrecompileRevert("unknown selector");
      }
    },
  };
}

function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
