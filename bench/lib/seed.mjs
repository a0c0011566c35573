// Puts the benchmark's files in a migrated database before the server starts: `count` listed
// files in one transaction (each with an empty file in the storage dir, so the server's start-up
// consistency check finds them; only the list reads them), and the real files the downloads use
// (bytes in the storage dir plus their rows).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

const INSERT = `INSERT INTO "File" ("id", "name", "size", "type", "visibility", "uploadedAt", "uploadedById", "downloads")
  VALUES (?, ?, ?, ?, ?, ?, NULL, 0)`;

/** `count` rows named bench-seed-<n>.txt, uploaded one second apart ending now. */
export function seedListedFiles(dbFile, storageDir, count) {
  fs.mkdirSync(storageDir, { recursive: true });
  const db = new Database(dbFile);
  try {
    const insert = db.prepare(INSERT);
    const now = Date.now();
    db.transaction(() => {
      for (let n = 0; n < count; n++) {
        const name = `bench-seed-${String(n).padStart(6, '0')}.txt`;
        const id = idOf(name);
        // The row's size is nominal (the sort by size needs spread); the file stays empty.
        insert.run(id, name, 1000 + (n % 5000), 'text/plain', n % 2 ? 'public' : 'private', now - (count - n) * 1000);
        fs.closeSync(fs.openSync(path.join(storageDir, encodeURIComponent(id)), 'w'));
      }
    })();
  } finally {
    db.close();
  }
}

/**
 * A private file of `size` bytes written straight into the storage dir (where uploads put
 * them: `<storageDir>/<id>`), with its row. Returns { id, name, size, path }.
 */
export async function addStoredFile(dbFile, storageDir, name, size) {
  const id = idOf(name);
  const file = path.join(storageDir, encodeURIComponent(id));
  fs.mkdirSync(storageDir, { recursive: true });
  const fd = fs.openSync(file, 'w');
  try {
    const block = crypto.randomBytes(Math.min(size, 1024 * 1024));
    for (let written = 0; written < size; written += block.length) {
      fs.writeSync(fd, block, 0, Math.min(block.length, size - written));
    }
  } finally {
    fs.closeSync(fd);
  }
  const db = new Database(dbFile);
  try {
    db.prepare(INSERT).run(id, name, size, 'application/octet-stream', 'private', Date.now() - 5_000_000_000);
  } finally {
    db.close();
  }
  return { id, name, size, path: file };
}

/** Same scheme as the server (sha256, base64url, 8 characters); ids of seeded names do not collide. */
function idOf(name) {
  return crypto.createHash('sha256').update(name).digest('base64url').slice(0, 8);
}
