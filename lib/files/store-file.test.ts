import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLI_ACTOR } from '../audit';
import { db } from '../db';
import { resolveStoragePath } from '../download/storage-path';
import { resetEnvForTests } from '../env';
import { AppError } from '../errors';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { deriveFileId } from './file-id';
import { storeFile, storeFileFromPath } from './store-file';
import { byteSource, failingSource, filesUnder, sha256File, sha256Of } from './test-helpers';

const MiB = 1024 * 1024;
const actor = { user: 'alice', ip: '203.0.113.7' };

let temp: TempEnv;
beforeAll(async () => {
  temp = await createTempEnv({ MAX_UPLOAD_SIZE: '8MiB', UPLOAD_CHUNK_SIZE: '1MiB' });
});
afterAll(async () => {
  await temp.cleanup();
});
beforeEach(async () => {
  await db().log.deleteMany();
  await db().file.deleteMany();
  fs.rmSync(temp.storageDir, { recursive: true, force: true });
  fs.mkdirSync(temp.storageDir, { recursive: true });
});

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

/** What a user could find after a failed upload: stored files, temp files, rows. */
async function leftovers() {
  return { files: filesUnder(temp.storageDir), rows: await db().file.count() };
}

const pathOf = (id: string) => resolveStoragePath(temp.storageDir, id);

describe('storeFile', () => {
  it.each([
    ['empty.txt', 0],
    ['one-byte.bin', 1],
    ['five-mib.bin', 5 * MiB + 123],
  ])('stores %s (%i bytes) under its id, with a row and an upload audit entry', async (name, size) => {
    const expected = await sha256Of(byteSource(size).source);
    const file = await storeFile({ source: byteSource(size).source, name, actor });

    expect(file.id).toBe(deriveFileId(name, { algorithm: 'sha256', length: 8 }));
    expect(file).toMatchObject({ name, size: BigInt(size), visibility: 'private', downloads: 0 });
    expect(await sha256File(pathOf(file.id))).toBe(expected);
    expect(filesUnder(temp.storageDir)).toEqual([path.basename(pathOf(file.id))]);

    const log = await db().log.findFirstOrThrow({ where: { action: 'upload' } });
    expect(log).toMatchObject({ user: 'alice', ipAddress: '203.0.113.7', fileId: file.id });
    expect(log.info).toBe(`file_id: ${file.id}, name: ${name}, size: ${size}`);
  });

  it('takes the content type from the extension, octet-stream when unknown', async () => {
    const pdf = await storeFile({ source: byteSource(10).source, name: 'report.PDF', actor });
    const plain = await storeFile({ source: byteSource(10).source, name: 'Makefile', actor });
    expect(pdf.type).toBe('application/pdf');
    expect(plain.type).toBe('application/octet-stream');
  });

  it('accepts a Node Readable and honours the visibility asked for', async () => {
    const file = await storeFile({
      source: Readable.from([Buffer.from('hello')]),
      name: 'hello.c',
      visibility: 'public',
      actor: CLI_ACTOR,
    });
    expect(file).toMatchObject({ visibility: 'public', size: 5n, uploadedById: null });
    expect(fs.readFileSync(pathOf(file.id), 'utf8')).toBe('hello');
  });

  it('stores the normalized name and links the row to the uploading user', async () => {
    const user = await db().user.create({ data: { username: 'alice', passwordHash: 'x' } });
    const file = await storeFile({ source: byteSource(3).source, name: '  U\u0308bersicht.pdf ', actor });
    expect(file.name).toBe('\u00dcbersicht.pdf');
    expect(file.uploadedById).toBe(user.id);
    await db().file.deleteMany();
    await db().user.delete({ where: { id: user.id } });
  });

  it('answers 409 for an existing name before reading any byte', async () => {
    await storeFile({ source: byteSource(100).source, name: 'a.txt', actor });
    const second = byteSource(5 * MiB);
    const error = await rejection(storeFile({ source: second.source, name: 'a.txt', actor }));
    expect(error.code).toBe('conflict');
    expect(error.status).toBe(409);
    expect(error.message).toBe('A file named "a.txt" already exists. Upload it with replace to overwrite it.');
    expect(second.state.produced).toBe(0);
    expect((await leftovers()).files).toHaveLength(1);
  });

  it('of two simultaneous uploads of one new name, stores exactly one', async () => {
    const results = await Promise.allSettled([
      storeFile({ source: byteSource(MiB, { seed: 'one' }).source, name: 'race.bin', actor }),
      storeFile({ source: byteSource(MiB, { seed: 'two' }).source, name: 'race.bin', actor }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as AppError).code).toBe('conflict');
    expect(await leftovers()).toEqual({
      files: [path.basename(pathOf(deriveFileId('race.bin', { algorithm: 'sha256', length: 8 })))],
      rows: 1,
    });
  });

  it('with replace, swaps in the new bytes under the same id and keeps everything else', async () => {
    const old = await storeFile({
      source: byteSource(1000, { seed: 'old' }).source,
      name: 'notes.txt',
      visibility: 'public',
      actor,
    });
    await db().file.update({
      where: { id: old.id },
      data: { downloads: 7, uploadedAt: new Date('2026-01-01T00:00:00Z') },
    });

    const expected = await sha256Of(byteSource(2 * MiB, { seed: 'new' }).source);
    const updated = await storeFile({
      source: byteSource(2 * MiB, { seed: 'new' }).source,
      name: 'notes.txt',
      replace: true,
      actor,
    });

    expect(updated).toMatchObject({ id: old.id, size: BigInt(2 * MiB), visibility: 'public', downloads: 7 });
    expect(updated.uploadedAt.getTime()).toBeGreaterThan(new Date('2026-01-02').getTime());
    expect(await sha256File(pathOf(old.id))).toBe(expected);
    expect(await leftovers()).toEqual({ files: [path.basename(pathOf(old.id))], rows: 1 });
    const log = await db().log.findFirstOrThrow({ where: { action: 'upload', info: { contains: 'replaced' } } });
    expect(log.info).toBe(`file_id: ${old.id}, name: notes.txt, size: ${2 * MiB}, replaced: true`);
  });

  it('with replace and a new name, simply stores the file', async () => {
    const file = await storeFile({ source: byteSource(10).source, name: 'fresh.txt', replace: true, actor });
    expect(file.name).toBe('fresh.txt');
  });

  it('aborts an upload as soon as it passes MAX_UPLOAD_SIZE and leaves nothing behind', async () => {
    const big = byteSource(20 * MiB);
    const error = await rejection(storeFile({ source: big.source, name: 'big.bin', actor }));
    expect(error.code).toBe('payload_too_large');
    expect(error.status).toBe(413);
    expect(error.message).toBe('The file is larger than the upload limit of 8.0 MiB.');
    // Stopped at the limit, not after the whole 20 MiB: what was read beyond it is only the
    // pipeline's read-ahead (at most about 1 MiB).
    expect(big.state.produced).toBeGreaterThan(8 * MiB);
    expect(big.state.produced).toBeLessThanOrEqual(9 * MiB + 64 * 1024);
    expect(await leftovers()).toEqual({ files: [], rows: 0 });
  });

  it('accepts a file of exactly MAX_UPLOAD_SIZE', async () => {
    const file = await storeFile({ source: byteSource(8 * MiB).source, name: 'exact.bin', actor });
    expect(file.size).toBe(BigInt(8 * MiB));
  });

  it('refuses a declared size over the limit without reading', async () => {
    const big = byteSource(9 * MiB);
    const error = await rejection(storeFile({ source: big.source, name: 'big.bin', actor, declaredSize: 9 * MiB }));
    expect(error.code).toBe('payload_too_large');
    expect(big.state.produced).toBe(0);
  });

  it('leaves nothing when the client disconnects halfway', async () => {
    const error = await rejection(storeFile({ source: failingSource(3 * MiB), name: 'cut.bin', actor }));
    expect(error.code).toBe('bad_request');
    expect(error.message).toMatch(/interrupted/);
    expect(await leftovers()).toEqual({ files: [], rows: 0 });
    expect(await db().log.count()).toBe(0);
  });

  it('refuses an invalid name before reading', async () => {
    const source = byteSource(10);
    const error = await rejection(storeFile({ source: source.source, name: '../etc/passwd', actor }));
    expect(error.code).toBe('validation_failed');
    expect(source.state.produced).toBe(0);
  });

  describe('when the database fails', () => {
    afterAll(async () => {
      await db().$executeRawUnsafe('DROP TRIGGER IF EXISTS fail_file_insert');
    });

    it('removes the stored bytes if the row cannot be written', async () => {
      await db().$executeRawUnsafe(
        `CREATE TRIGGER fail_file_insert BEFORE INSERT ON "File" BEGIN SELECT RAISE(ABORT, 'simulated failure'); END`,
      );
      try {
        await expect(storeFile({ source: byteSource(MiB).source, name: 'x.bin', actor })).rejects.toThrow();
        expect(await leftovers()).toEqual({ files: [], rows: 0 });
      } finally {
        await db().$executeRawUnsafe('DROP TRIGGER fail_file_insert');
      }
    });

    it('undoes the upload if the audit entry cannot be written', async () => {
      await db().$executeRawUnsafe(
        `CREATE TRIGGER fail_log_insert BEFORE INSERT ON "Log" BEGIN SELECT RAISE(ABORT, 'simulated failure'); END`,
      );
      try {
        await expect(storeFile({ source: byteSource(MiB).source, name: 'x.bin', actor })).rejects.toThrow();
        expect(await leftovers()).toEqual({ files: [], rows: 0 });
      } finally {
        await db().$executeRawUnsafe('DROP TRIGGER fail_log_insert');
      }
    });

    it('keeps the old bytes and row if a replace cannot update the row', async () => {
      const old = await storeFile({ source: byteSource(1000, { seed: 'old' }).source, name: 'keep.txt', actor });
      const before = await sha256File(pathOf(old.id));
      await db().$executeRawUnsafe(
        `CREATE TRIGGER fail_file_update BEFORE UPDATE ON "File" BEGIN SELECT RAISE(ABORT, 'simulated failure'); END`,
      );
      try {
        await expect(
          storeFile({ source: byteSource(MiB).source, name: 'keep.txt', replace: true, actor }),
        ).rejects.toThrow();
      } finally {
        await db().$executeRawUnsafe('DROP TRIGGER fail_file_update');
      }
      expect(await sha256File(pathOf(old.id))).toBe(before);
      expect(await db().file.findUniqueOrThrow({ where: { id: old.id } })).toMatchObject({ size: 1000n });
      expect(await leftovers()).toEqual({ files: [path.basename(pathOf(old.id))], rows: 1 });
    });
  });
});

describe('id collisions', () => {
  // With 4-character ids a collision between two real names is quick to find.
  beforeAll(() => {
    process.env.FILE_ID_LENGTH = '4';
    resetEnvForTests();
  });
  afterAll(() => {
    delete process.env.FILE_ID_LENGTH;
    resetEnvForTests();
  });

  function collidingNames(): [string, string] {
    const seen = new Map<string, string>();
    for (let i = 0; ; i++) {
      const name = `report-${i}.txt`;
      const id = deriveFileId(name, { algorithm: 'sha256', length: 4 });
      const other = seen.get(id);
      if (other) return [other, name];
      seen.set(id, name);
    }
  }

  it('gives the later name a longer id, never overwrites, and logs the collision', async () => {
    const [first, second] = collidingNames();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const a = await storeFile({ source: byteSource(100, { seed: 'a' }).source, name: first, actor });
      const aBytes = await sha256File(pathOf(a.id));
      const b = await storeFile({ source: byteSource(200, { seed: 'b' }).source, name: second, actor });

      expect(a.id).toBe(deriveFileId(first, { algorithm: 'sha256', length: 4 }));
      expect(b.id).toBe(deriveFileId(second, { algorithm: 'sha256', length: 5 }));
      expect(b.id.startsWith(a.id)).toBe(true);
      expect(await sha256File(pathOf(a.id))).toBe(aBytes);
      expect(await sha256File(pathOf(b.id))).toBe(await sha256Of(byteSource(200, { seed: 'b' }).source));
      expect(warn).toHaveBeenCalledWith(expect.stringContaining(`"${second}" could not use ${a.id}`));
      const log = await db().log.findFirstOrThrow({ where: { fileId: b.id } });
      expect(log.info).toContain(`collision_with: ${a.id}`);

      // Deterministic: the same name walks the same sequence again.
      await db().file.delete({ where: { id: b.id } });
      fs.rmSync(pathOf(b.id));
      const again = await storeFile({ source: byteSource(200, { seed: 'b' }).source, name: second, actor });
      expect(again.id).toBe(b.id);
    } finally {
      warn.mockRestore();
    }
  });

  it('never overwrites a file on disk that has no row: it is skipped like a taken id', async () => {
    const name = 'orphan-victim.txt';
    const natural = deriveFileId(name, { algorithm: 'sha256', length: 4 });
    fs.writeFileSync(pathOf(natural), 'precious');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const file = await storeFile({ source: byteSource(10).source, name, actor });
      expect(file.id).toBe(deriveFileId(name, { algorithm: 'sha256', length: 5 }));
      expect(fs.readFileSync(pathOf(natural), 'utf8')).toBe('precious');
    } finally {
      warn.mockRestore();
    }
  });
});

describe('storeFileFromPath', () => {
  function assembled(content: Buffer | string): string {
    const dir = path.join(temp.storageDir, '.tus');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `upload-${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(file, content);
    return file;
  }

  it('moves a finished file into place through the same final step', async () => {
    const tempPath = assembled('resumed bytes');
    const file = await storeFileFromPath({ tempPath, name: 'resumed.txt', actor });
    expect(file).toMatchObject({ name: 'resumed.txt', size: 13n, type: 'text/plain' });
    expect(fs.readFileSync(pathOf(file.id), 'utf8')).toBe('resumed bytes');
    expect(fs.existsSync(tempPath)).toBe(false);
    expect(await db().log.count({ where: { action: 'upload', fileId: file.id } })).toBe(1);
  });

  it('refuses a file over the limit and removes it', async () => {
    const tempPath = assembled(Buffer.alloc(8 * MiB + 1));
    const error = await rejection(storeFileFromPath({ tempPath, name: 'huge.bin', actor }));
    expect(error.code).toBe('payload_too_large');
    expect(await leftovers()).toEqual({ files: [], rows: 0 });
  });

  it('answers 409 for an existing name and removes the assembled file', async () => {
    await storeFile({ source: byteSource(10).source, name: 'taken.txt', actor });
    const tempPath = assembled('other');
    const error = await rejection(storeFileFromPath({ tempPath, name: 'taken.txt', actor }));
    expect(error.code).toBe('conflict');
    expect(fs.existsSync(tempPath)).toBe(false);
    expect((await leftovers()).rows).toBe(1);
  });

  it('replaces when asked', async () => {
    const old = await storeFile({ source: byteSource(10).source, name: 'doc.txt', actor });
    const file = await storeFileFromPath({ tempPath: assembled('v2'), name: 'doc.txt', replace: true, actor });
    expect(file.id).toBe(old.id);
    expect(fs.readFileSync(pathOf(old.id), 'utf8')).toBe('v2');
  });
});
