// Shared by the files tests: byte sources and a look at what is on disk.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

/** Deterministic pseudo-random bytes (different per seed), generated chunk by chunk. */
export function byteSource(total: number, { chunkSize = 64 * 1024, seed = 'seed' } = {}) {
  const state = { produced: 0 };
  async function* generate() {
    let counter = 0;
    while (state.produced < total) {
      const length = Math.min(chunkSize, total - state.produced);
      // Each chunk repeats its own 32-byte digest: distinct per seed and chunk, and cheap.
      const chunk = Buffer.alloc(length, crypto.createHash('sha256').update(`${seed}:${counter++}`).digest());
      state.produced += length;
      yield chunk;
    }
  }
  return { source: generate(), state };
}

export async function sha256Of(source: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of source) hash.update(chunk);
  return hash.digest('hex');
}

export function sha256File(file: string): Promise<string> {
  return sha256Of(fs.createReadStream(file));
}

/** A Readable that sends `before` bytes and then fails like a dropped connection. */
export function failingSource(before: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= before) {
        this.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
        return;
      }
      const chunk = Buffer.alloc(Math.min(16 * 1024, before - sent), 7);
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

/** Every file under dir (relative paths), directories left out. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}
