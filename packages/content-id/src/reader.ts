import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import type { CID } from "multiformats/cid";
import { assertBlock, assertCheckable, type Block, DAG_PB_CODE, RAW_CODE } from "./cid.ts";
import { ContentIdError } from "./errors.ts";

/** Fetches a block's bytes by CID; `undefined` when it is not there. */
export type BlockGetter = (cid: CID) => Promise<Uint8Array | undefined> | Uint8Array | undefined;

/** A getter over blocks already in hand (e.g. read from a CAR or produced by `blocksOf`). */
export function blockGetterFrom(blocks: Iterable<Block>): BlockGetter {
  const byCid = new Map<string, Uint8Array>();
  for (const block of blocks) byCid.set(block.cid.toString(), block.bytes);
  return (cid) => byCid.get(cid.toString());
}

async function fetchVerified(get: BlockGetter, cid: CID, verify: boolean): Promise<Uint8Array> {
  assertCheckable(cid);
  const bytes = await get(cid);
  if (bytes === undefined) throw new ContentIdError("MISSING_BLOCK", `block ${cid.toString()} is missing`);
  if (verify) await assertBlock(cid, bytes);
  return bytes;
}

export interface WalkOptions {
  /** Check every block against its CID (default true). */
  readonly verify?: boolean;
}

/**
 * Every block of the DAG under `root` in depth-first pre-order (parent before children, children in
 * link order), each block once: the order Kubo's `ipfs dag export` writes a CAR in.
 */
export async function* walkDag(
  root: CID,
  get: BlockGetter,
  opts: WalkOptions = {},
): AsyncGenerator<Block, void, undefined> {
  const verify = opts.verify ?? true;
  const seen = new Set<string>();
  const stack: CID[] = [root];
  for (;;) {
    const cid = stack.pop();
    if (cid === undefined) return;
    const key = cid.toString();
    if (seen.has(key)) continue;
    seen.add(key);
    const bytes = await fetchVerified(get, cid, verify);
    yield { cid, bytes };
    if (cid.code === DAG_PB_CODE) {
      const links = decodePb(cid, bytes).Links;
      for (let i = links.length - 1; i >= 0; i--) stack.push(links[i]!.Hash);
    }
  }
}

function decodePb(cid: CID, bytes: Uint8Array): dagPb.PBNode {
  try {
    return dagPb.decode(bytes);
  } catch (err) {
    throw new ContentIdError("MALFORMED_DAG", `block ${cid.toString()} is not valid dag-pb`, { cause: err });
  }
}

/** A dag-pb UnixFS file node, checked for internal consistency. */
export interface FileNode {
  readonly links: readonly CID[];
  /** Content length under each link, as the parent records it. */
  readonly blockSizes: readonly number[];
  /** Content stored inline in the node itself (before the children's). */
  readonly data: Uint8Array;
  readonly fileSize: number;
}

/** Decodes a UnixFS file node; throws `MALFORMED_DAG` on anything but a consistent file/raw node. */
export function decodeFileNode(cid: CID, bytes: Uint8Array): FileNode {
  const node = decodePb(cid, bytes);
  if (node.Data === undefined) {
    throw new ContentIdError("MALFORMED_DAG", `dag-pb node ${cid.toString()} carries no UnixFS data`);
  }
  let unixfs: UnixFS;
  try {
    unixfs = UnixFS.unmarshal(node.Data);
  } catch (err) {
    throw new ContentIdError("MALFORMED_DAG", `node ${cid.toString()} has invalid UnixFS data`, {
      cause: err,
    });
  }
  if (unixfs.type !== "file" && unixfs.type !== "raw") {
    throw new ContentIdError(
      "MALFORMED_DAG",
      `node ${cid.toString()} is a UnixFS ${unixfs.type}, not a file`,
    );
  }
  if (unixfs.blockSizes.length !== node.Links.length) {
    throw new ContentIdError(
      "MALFORMED_DAG",
      `node ${cid.toString()} has ${node.Links.length} links but ${unixfs.blockSizes.length} block sizes`,
    );
  }
  return {
    links: node.Links.map((l) => l.Hash),
    blockSizes: unixfs.blockSizes.map(Number),
    data: unixfs.data ?? new Uint8Array(0),
    fileSize: Number(unixfs.fileSize()),
  };
}

/** Content length of the file rooted at a block, read from the block alone. */
export function contentSizeOf(cid: CID, bytes: Uint8Array): number {
  if (cid.code === RAW_CODE) return bytes.length;
  return decodeFileNode(cid, bytes).fileSize;
}

export interface ReadFileOptions extends WalkOptions {
  /** First byte to return (default 0). */
  readonly offset?: number;
  /** Bytes to return from `offset` (default: to the end). */
  readonly length?: number;
}

/**
 * The content of the UnixFS file (or raw block) `root`, streamed in order. Every block is checked
 * against its CID and every node's recorded sizes against its children, so a stream that ends without
 * an error delivered exactly the bytes `root` names. With `offset`/`length`, subtrees outside the
 * range are skipped without being fetched.
 */
export async function* readFile(
  root: CID,
  get: BlockGetter,
  opts: ReadFileOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const verify = opts.verify ?? true;
  const start = Math.max(0, opts.offset ?? 0);
  const end = opts.length === undefined ? Number.POSITIVE_INFINITY : start + Math.max(0, opts.length);
  if (end <= start && opts.length !== undefined) return;

  interface Pending {
    readonly cid: CID;
    /** Byte position of this subtree's content in the file. */
    readonly position: number;
    /** Content size the parent recorded; undefined for the root. */
    readonly expectedSize: number | undefined;
  }
  const stack: Pending[] = [{ cid: root, position: 0, expectedSize: undefined }];
  for (;;) {
    const item = stack.pop();
    if (item === undefined) return;
    const bytes = await fetchVerified(get, item.cid, verify);
    if (item.cid.code === RAW_CODE) {
      if (item.expectedSize !== undefined && bytes.length !== item.expectedSize) {
        throw new ContentIdError(
          "MALFORMED_DAG",
          `leaf ${item.cid.toString()} holds ${bytes.length} bytes but its parent records ${item.expectedSize}`,
        );
      }
      const slice = clip(bytes, item.position, start, end);
      if (slice.length > 0) yield slice;
      continue;
    }
    const node = decodeFileNode(item.cid, bytes);
    if (item.expectedSize !== undefined && node.fileSize !== item.expectedSize) {
      throw new ContentIdError(
        "MALFORMED_DAG",
        `node ${item.cid.toString()} holds ${node.fileSize} bytes but its parent records ${item.expectedSize}`,
      );
    }
    const inline = clip(node.data, item.position, start, end);
    if (inline.length > 0) yield inline;
    // Children go on the stack in reverse so they pop in file order; out-of-range ones are skipped.
    const children: Pending[] = [];
    let position = item.position + node.data.length;
    for (let i = 0; i < node.links.length; i++) {
      const size = node.blockSizes[i]!;
      if (position + size > start && position < end) {
        children.push({ cid: node.links[i]!, position, expectedSize: size });
      }
      position += size;
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}

function clip(bytes: Uint8Array, position: number, start: number, end: number): Uint8Array {
  const from = Math.max(0, start - position);
  const to = Math.min(bytes.length, end - position);
  if (from === 0 && to === bytes.length) return bytes;
  return to > from ? bytes.subarray(from, to) : new Uint8Array(0);
}

/** The whole verified content of `root` in one buffer (for files that fit in memory, e.g. models). */
export async function assembleFile(root: CID, get: BlockGetter, opts: WalkOptions = {}): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const part of readFile(root, get, opts)) {
    parts.push(part);
    total += part.length;
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
