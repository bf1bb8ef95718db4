import { bool, compactU64, Reader, u64 } from "@darwin/scale";
import { call, definePallet, ensureNone, palletError } from "../support/pallet.ts";
import { storageValue } from "../support/storage.ts";
import { weight } from "../support/types.ts";

export const Now = storageValue({
  name: "Now",
  value: u64,
  default: 0n,
  docs: ["The current time for the current block."],
});
export const DidUpdate = storageValue({
  name: "DidUpdate",
  value: bool,
  default: false,
  docs: ["Whether the timestamp has been updated in this block."],
});

/** The inherent identifier of the timestamp (`*b"timstap0"`). */
export const TIMESTAMP_INHERENT_ID = "timstap0";

export interface TimestampConfig {
  /** Minimum milliseconds between blocks (half the slot duration under Aura). */
  readonly minimumPeriod: bigint;
}

export function createTimestampPallet(config: TimestampConfig) {
  const pallet = definePallet({
    name: "Timestamp",
    modulePath: ["pallet_timestamp", "pallet"],
    storage: [Now, DidUpdate],
    calls: {
      set: call<{ now: bigint }>({
        index: 0,
        args: { now: compactU64 },
        typeNames: { now: "T::Moment" },
        weight: () => weight(9_000_000n),
        class: { type: "Mandatory" },
        pays: { type: "No" },
        docs: ["Set the current time. This call should be invoked exactly once per block as an inherent."],
        dispatch: (ctx, origin, { now }) => {
          ensureNone(origin);
          if (DidUpdate.get(ctx.ext)) throw palletError("Timestamp", "AlreadyUpdated");
          const prev = Now.get(ctx.ext);
          if (prev !== 0n && now < prev + config.minimumPeriod) throw palletError("Timestamp", "TooEarly");
          Now.set(ctx.ext, now);
          DidUpdate.set(ctx.ext, true);
        },
      }),
    },
    errors: {
      AlreadyUpdated: { index: 0, docs: ["The timestamp was already set in this block."] },
      TooEarly: { index: 1, docs: ["The timestamp is less than the previous one plus the minimum period."] },
    },
    constants: {
      MinimumPeriod: {
        codec: u64,
        value: config.minimumPeriod,
        docs: ["The minimum period between blocks."],
      },
    },
    hooks: {
      onFinalize(ctx) {
        if (!DidUpdate.get(ctx.ext)) throw new Error("Timestamp must be updated once in the block");
        DidUpdate.kill(ctx.ext);
      },
    },
    inherent: {
      identifier: TIMESTAMP_INHERENT_ID,
      create(data) {
        const raw = data.get(TIMESTAMP_INHERENT_ID);
        if (!raw) return undefined;
        return { type: "set", value: { now: u64.decodeFrom(new Reader(raw)) } };
      },
      isInherent: (c) => c.type === "set",
    },
  });
  return { pallet };
}
