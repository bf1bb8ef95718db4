import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateMnemonic, type KeyPair, keyPairFromUri } from "@darwin/crypto";
import { toHex } from "@darwin/scale";

/** Key types as Substrate names them (4 ASCII bytes). */
export const KEY_TYPES = { aura: "sr25519", gran: "ed25519" } as const;
export type KeyTypeName = keyof typeof KEY_TYPES;

export class KeystoreError extends Error {
  readonly code: "UnknownKeyType" | "BadSuri" | "Io";
  constructor(code: KeystoreError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

const hexAscii = (s: string) => Buffer.from(s, "ascii").toString("hex");

/**
 * Session keys by key type. On disk it is Substrate's (and zombienet's) layout: one file per key in
 * `<base-path>/chains/<id>/keystore/`, named hex(key type) ++ hex(public key), holding the secret URI
 * as a JSON string. Without a folder (`--dev`, `--tmp`) keys live in memory only.
 */
export class Keystore {
  private readonly dir: string | undefined;
  private readonly keys = new Map<string, KeyPair[]>();

  constructor(opts: { dir?: string }) {
    this.dir = opts.dir;
    if (this.dir) {
      mkdirSync(this.dir, { recursive: true });
      this.load();
    }
  }

  private load(): void {
    for (const name of readdirSync(this.dir!)) {
      if (!/^[0-9a-f]{8}[0-9a-f]+$/.test(name)) continue;
      const type = Buffer.from(name.slice(0, 8), "hex").toString("ascii");
      if (!(type in KEY_TYPES)) continue;
      try {
        const suri = JSON.parse(readFileSync(join(this.dir!, name), "utf8")) as string;
        this.add(type as KeyTypeName, keyPairFromUri(KEY_TYPES[type as KeyTypeName], suri));
      } catch {
        // A foreign or corrupt file is not ours to fail on; it is skipped.
      }
    }
  }

  private add(type: KeyTypeName, pair: KeyPair): void {
    const list = this.keys.get(type) ?? [];
    if (!list.some((p) => toHex(p.publicKey) === toHex(pair.publicKey))) list.push(pair);
    this.keys.set(type, list);
  }

  /** `author_insertKey` / `key insert`: stores the key from its secret URI. */
  insert(type: string, suri: string, publicKey?: Uint8Array): KeyPair {
    if (!(type in KEY_TYPES)) throw new KeystoreError("UnknownKeyType", `unknown key type ${type}`);
    let pair: KeyPair;
    try {
      pair = keyPairFromUri(KEY_TYPES[type as KeyTypeName], suri);
    } catch (err) {
      throw new KeystoreError("BadSuri", `invalid secret URI: ${(err as Error).message}`);
    }
    if (publicKey && toHex(publicKey) !== toHex(pair.publicKey)) {
      throw new KeystoreError("BadSuri", "the public key does not match the secret URI");
    }
    this.add(type as KeyTypeName, pair);
    if (this.dir) {
      writeFileSync(join(this.dir, hexAscii(type) + toHex(pair.publicKey).slice(2)), JSON.stringify(suri), {
        mode: 0o600,
      });
    }
    return pair;
  }

  /** `author_rotateKeys`: a fresh key of each session type. */
  generate(type: KeyTypeName): KeyPair {
    return this.insert(type, generateMnemonic(12));
  }

  has(type: string, publicKey: Uint8Array): boolean {
    return (this.keys.get(type) ?? []).some((p) => toHex(p.publicKey) === toHex(publicKey));
  }

  find(type: KeyTypeName, publicKey: Uint8Array): KeyPair | undefined {
    return (this.keys.get(type) ?? []).find((p) => toHex(p.publicKey) === toHex(publicKey));
  }

  list(type: KeyTypeName): readonly KeyPair[] {
    return this.keys.get(type) ?? [];
  }
}
