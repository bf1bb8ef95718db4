import { importByteStream } from "ipfs-unixfs-importer";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced } from "ipfs-unixfs-importer/layout";
import type { CID } from "multiformats/cid";
import type { Block } from "./cid.ts";

/** Kubo's defaults for `ipfs add --cid-version=1`: 256 KiB fixed chunks, 174 links per node. */
export const DEFAULT_CHUNK_SIZE = 262_144;
export const DEFAULT_MAX_CHILDREN = 174;

export interface ChunkingOptions {
  /** Bytes per leaf; Kubo's `--chunker=size-<n>`. Default 262144. */
  readonly chunkSize?: number;
  /** Links per dag-pb node in the balanced layout. Default 174. */
  readonly maxChildrenPerNode?: number;
}

/** Bytes in memory, or a stream of them (a file read stream, an HTTP body). */
export type Content = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** Where imported blocks go; a block store, or a sink that only looks at them. */
export interface BlockSink {
  put(cid: CID, bytes: Uint8Array): Promise<unknown> | unknown;
}

export interface ImportedFile {
  readonly cid: CID;
  /** Length of the file's content in bytes. */
  readonly size: number;
}

function normalise(content: Content): Iterable<Uint8Array> | AsyncIterable<Uint8Array> {
  return content instanceof Uint8Array ? [content] : content;
}

async function* countingBytes(
  source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  counter: { bytes: number },
): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    counter.bytes += chunk.length;
    yield chunk;
  }
}

/**
 * Chunks `content` into a UnixFS file exactly as Kubo's `ipfs add --cid-version=1` does (raw leaves,
 * a single chunk becomes a bare raw block, larger files a balanced dag-pb tree) and hands every block
 * to `sink` in creation order: leaves in file order, each parent after its children, the root last.
 * Blocks are written one at a time, so the order does not depend on scheduling.
 */
export async function importContent(
  content: Content,
  sink: BlockSink,
  opts: ChunkingOptions = {},
): Promise<ImportedFile> {
  const counter = { bytes: 0 };
  const storage = {
    put: async (cid: CID, bytes: Uint8Array): Promise<CID> => {
      await sink.put(cid, bytes);
      return cid;
    },
  };
  const result = await importByteStream(countingBytes(normalise(content), counter), storage, {
    cidVersion: 1,
    rawLeaves: true,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: opts.chunkSize ?? DEFAULT_CHUNK_SIZE }),
    layout: balanced({ maxChildrenPerNode: opts.maxChildrenPerNode ?? DEFAULT_MAX_CHILDREN }),
    blockWriteConcurrency: 1,
    fileImportConcurrency: 1,
  });
  return { cid: result.cid, size: counter.bytes };
}

/** The CID Kubo's `ipfs add --cid-version=1` gives `content` (blocks are hashed, then dropped). */
export async function cidOf(content: Content, opts: ChunkingOptions = {}): Promise<CID> {
  return (await importContent(content, { put: () => undefined }, opts)).cid;
}

class Abandoned extends Error {}

/**
 * The blocks of `content`'s UnixFS DAG as a stream, in the order `importContent` documents (root
 * last). At most `highWaterMark` blocks are buffered, so a large file streams in bounded memory.
 * Stopping the iteration early stops the import.
 */
export async function* blocksOf(
  content: Content,
  opts: ChunkingOptions & { readonly highWaterMark?: number } = {},
): AsyncGenerator<Block, void, undefined> {
  const highWaterMark = opts.highWaterMark ?? 16;
  const queue: Block[] = [];
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  let finished = false;
  let abandoned = false;
  let failure: unknown;

  const sink: BlockSink = {
    put: async (cid, bytes) => {
      if (abandoned) throw new Abandoned("consumer stopped reading");
      queue.push({ cid, bytes });
      wakeConsumer?.();
      wakeConsumer = undefined;
      if (queue.length >= highWaterMark) {
        await new Promise<void>((resolve) => {
          wakeProducer = resolve;
        });
        if (abandoned) throw new Abandoned("consumer stopped reading");
      }
    },
  };
  const producer = importContent(content, sink, opts).then(
    () => {
      finished = true;
      wakeConsumer?.();
    },
    (err: unknown) => {
      if (!(err instanceof Abandoned)) failure = err;
      finished = true;
      wakeConsumer?.();
    },
  );
  try {
    for (;;) {
      const next = queue.shift();
      if (next !== undefined) {
        if (queue.length < highWaterMark / 2) {
          wakeProducer?.();
          wakeProducer = undefined;
        }
        yield next;
        continue;
      }
      if (finished) break;
      await new Promise<void>((resolve) => {
        wakeConsumer = resolve;
      });
    }
    await producer;
    if (failure !== undefined) throw failure;
  } finally {
    if (!finished) {
      abandoned = true;
      wakeProducer?.();
      await producer;
    }
  }
}
