// Minimal typings for the untyped CommonJS `blake2b-wasm` package (the parts @darwin/trie uses).
declare module "blake2b-wasm" {
  interface Blake2bHasher {
    update(input: Uint8Array): Blake2bHasher;
    digest(out?: "binary" | Uint8Array): Uint8Array;
  }
  interface Blake2bFactory {
    (digestLength?: number, key?: null, salt?: null, personal?: null, noAssert?: boolean): Blake2bHasher;
    ready(cb: (err?: Error) => void): unknown;
    readonly SUPPORTED: boolean;
  }
  const Blake2b: Blake2bFactory;
  export default Blake2b;
}
