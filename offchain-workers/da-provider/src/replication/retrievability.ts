import { contentSizeOf, DAG_PB_CODE, decodeFileNode, verifyBlock } from "@darwin/content-id";
import type { CID } from "multiformats/cid";
import { daError } from "../errors.ts";

export interface RetrievabilityOpts {
  /** Base URL of the provider's gateway under test. */
  readonly provider: string;
  readonly cid: CID;
  /** Leaves to sample (default 16). */
  readonly samples?: number;
  /** Uniform [0, 1) source; defaults to crypto randomness so the provider cannot predict picks. */
  readonly random?: () => number;
  readonly timeoutMs?: number;
}

export interface SampleResult {
  /** Byte offset in the file whose leaf was asked for. */
  readonly offset: number;
  /** CIDs from the root down to the leaf. */
  readonly path: readonly string[];
  readonly ok: boolean;
  readonly error?: string;
}

export interface RetrievabilityReport {
  readonly cid: string;
  readonly provider: string;
  readonly fileSize: number;
  readonly samples: readonly SampleResult[];
  readonly passed: boolean;
}

function cryptoRandom(): number {
  const word = new Uint32Array(1);
  crypto.getRandomValues(word);
  return word[0]! / 2 ** 32;
}

/**
 * Asks a provider for randomly chosen leaves of `cid` through its trustless gateway
 * (`?format=raw`), walking down from the root: each block must hash to the CID its parent links to
 * and hold the size the parent records. A provider that dropped or altered any sampled block fails;
 * one that dropped a fraction f of the leaves escapes n samples with probability (1-f)^n.
 */
export async function checkRetrievability(opts: RetrievabilityOpts): Promise<RetrievabilityReport> {
  const random = opts.random ?? cryptoRandom;
  const base = opts.provider.replace(/\/+$/, "");
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const cache = new Map<string, Uint8Array>();

  const fetchBlock = async (cid: CID): Promise<Uint8Array> => {
    const key = cid.toString();
    const cached = cache.get(key);
    if (cached) return cached;
    let res: Response;
    try {
      res = await fetch(`${base}/ipfs/${key}?format=raw`, {
        headers: { accept: "application/vnd.ipld.raw" },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new Error(`provider did not answer for ${key}: ${String(err)}`);
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`provider answered ${res.status} for block ${key}`);
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (!(await verifyBlock(cid, bytes))) throw new Error(`block ${key} does not hash to its CID`);
    // Only internal nodes are reused across samples; every sampled leaf is asked for afresh.
    if (cid.code === DAG_PB_CODE) cache.set(key, bytes);
    return bytes;
  };

  let rootBytes: Uint8Array;
  try {
    rootBytes = await fetchBlock(opts.cid);
  } catch (err) {
    return {
      cid: opts.cid.toString(),
      provider: base,
      fileSize: 0,
      samples: [{ offset: 0, path: [opts.cid.toString()], ok: false, error: (err as Error).message }],
      passed: false,
    };
  }
  const fileSize = contentSizeOf(opts.cid, rootBytes);
  const samples: SampleResult[] = [];
  for (let i = 0; i < (opts.samples ?? 16); i++) {
    const offset = Math.min(Math.max(fileSize - 1, 0), Math.floor(random() * fileSize));
    const path: string[] = [opts.cid.toString()];
    try {
      let cid = opts.cid;
      let bytes = rootBytes;
      let local = offset;
      while (cid.code === DAG_PB_CODE) {
        const node = decodeFileNode(cid, bytes);
        local -= node.data.length;
        let index = 0;
        while (index < node.links.length - 1 && local >= node.blockSizes[index]!) {
          local -= node.blockSizes[index]!;
          index++;
        }
        const child = node.links[index];
        if (child === undefined) throw new Error(`node ${cid.toString()} has no child at offset ${offset}`);
        const childBytes = await fetchBlock(child);
        const size = contentSizeOf(child, childBytes);
        if (size !== node.blockSizes[index]) {
          throw new Error(
            `block ${child.toString()} holds ${size} bytes; its parent records ${node.blockSizes[index]}`,
          );
        }
        path.push(child.toString());
        cid = child;
        bytes = childBytes;
      }
      samples.push({ offset, path, ok: true });
    } catch (err) {
      samples.push({ offset, path, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return {
    cid: opts.cid.toString(),
    provider: base,
    fileSize,
    samples,
    passed: samples.every((s) => s.ok),
  };
}

/** Throws RETRIEVABILITY_FAILED with the first failing sample unless the report passed. */
export function assertRetrievable(report: RetrievabilityReport): void {
  if (report.passed) return;
  const failed = report.samples.find((s) => !s.ok);
  throw daError(
    "RETRIEVABILITY_FAILED",
    `${report.provider} failed the retrievability check of ${report.cid}: ${failed?.error ?? "unknown"}`,
  );
}
