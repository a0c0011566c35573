import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../db';
import { resolveStoragePath } from '../download/storage-path';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { deleteFile } from './delete-file';
import { getFile, getFileByName, requireFile } from './get-file';
import { serializeFile } from './serialize-file';
import { setVisibility } from './set-visibility';
import { checkStorageConsistency, cleanupTempFiles, describeStorageConsistency } from './storage-consistency';
import { storeFile } from './store-file';
import { tempOwnerTag } from './temp-owner';

const actor = { user: 'carol', ip: '198.51.100.4' };

let temp: TempEnv;
beforeAll(async () => {
  temp = await createTempEnv({ PUBLIC_URL: 'https://files.example.com/' });
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

const text = (value: string) =>
  (async function* () {
    yield Buffer.from(value);
  })();
const pathOf = (id: string) => resolveStoragePath(temp.storageDir, id);

describe('getFile and getFileByName', () => {
  it('find a file by id and by name, normalizing the name like an upload', async () => {
    const file = await storeFile({ source: text('x'), name: 'Übersicht.pdf', actor });
    expect(await getFile(file.id)).toEqual(file);
    expect(await getFileByName('U\u0308bersicht.pdf')).toEqual(file);
    expect(await getFile('nope')).toBeNull();
    expect(await getFileByName('../etc/passwd')).toBeNull();
    await expect(requireFile('nope')).rejects.toMatchObject({ code: 'not_found', status: 404 });
  });
});

describe('deleteFile', () => {
  it('removes the row and the bytes, and audits the delete', async () => {
    const file = await storeFile({ source: text('bye'), name: 'old draft.docx', actor });
    const deleted = await deleteFile(file.id, actor);
    expect(deleted.id).toBe(file.id);
    expect(await getFile(file.id)).toBeNull();
    expect(fs.existsSync(pathOf(file.id))).toBe(false);
    const log = await db().log.findFirstOrThrow({ where: { action: 'delete' } });
    expect(log).toMatchObject({ user: 'carol', fileId: file.id, info: `file_id: ${file.id}, name: old draft.docx` });
  });

  it('answers not_found for an unknown id', async () => {
    await expect(deleteFile('AAAAAAAA', actor)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('still deletes the row when the bytes are already gone', async () => {
    const file = await storeFile({ source: text('x'), name: 'gone.txt', actor });
    fs.rmSync(pathOf(file.id));
    await deleteFile(file.id, actor);
    expect(await getFile(file.id)).toBeNull();
  });
});

describe('setVisibility', () => {
  it('changes the visibility and audits it', async () => {
    const file = await storeFile({ source: text('x'), name: 'a.txt', actor });
    expect(file.visibility).toBe('private');
    expect((await setVisibility(file.id, 'public', actor)).visibility).toBe('public');
    expect((await getFile(file.id))?.visibility).toBe('public');
    const log = await db().log.findFirstOrThrow({ where: { action: 'visibility' } });
    expect(log.info).toBe(`file_id: ${file.id}, name: a.txt, visibility: public`);
  });

  it('logs nothing when nothing changes, and answers not_found for an unknown id', async () => {
    const file = await storeFile({ source: text('x'), name: 'a.txt', actor });
    await setVisibility(file.id, 'private', actor);
    expect(await db().log.count({ where: { action: 'visibility' } })).toBe(0);
    await expect(setVisibility('nope', 'public', actor)).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('serializeFile', () => {
  it('gives the API object with a number size, a UTC time and an absolute short URL', async () => {
    const file = await storeFile({ source: text('hello'), name: 'hello.c', actor });
    const uploadedAt = new Date('2026-11-23T19:00:00.123Z');
    const stored = await db().file.update({ where: { id: file.id }, data: { uploadedAt, downloads: 3 } });
    expect(serializeFile(stored)).toEqual({
      id: file.id,
      name: 'hello.c',
      size: 5,
      type: 'text/x-c',
      visibility: 'private',
      uploadedAt: '2026-11-23T19:00:00.123Z',
      downloads: 3,
      url: `https://files.example.com/${file.id}`,
    });
  });

  it('percent-encodes imported Flask ids', () => {
    const object = serializeFile({
      id: 'C7+mw7wj',
      name: 'hello.c',
      size: 90n,
      type: 'text/x-c',
      visibility: 'public',
      uploadedAt: new Date(0),
      uploadedById: null,
      downloads: 0,
      generation: 'legacy',
    });
    expect(object.url).toBe('https://files.example.com/C7%2Bmw7wj');
  });
});

describe('checkStorageConsistency', () => {
  it('reports files without rows and rows without files, and deletes nothing', async () => {
    const kept = await storeFile({ source: text('ok'), name: 'kept.txt', actor });
    const lost = await storeFile({ source: text('lost'), name: 'lost.txt', actor });
    fs.rmSync(pathOf(lost.id));
    fs.writeFileSync(path.join(temp.storageDir, 'stray-file'), 'who put this here');
    fs.mkdirSync(path.join(temp.storageDir, '.tmp'), { recursive: true });
    fs.writeFileSync(path.join(temp.storageDir, '.tmp', 'upload-in-progress'), 'x');
    fs.mkdirSync(path.join(temp.storageDir, '.tus'), { recursive: true });

    const report = await checkStorageConsistency();
    expect(report).toEqual({ orphanFiles: ['stray-file'], missingFiles: [lost.id] });
    expect(describeStorageConsistency(report)).toEqual([
      `${path.join(temp.storageDir, 'stray-file')} has no file row (left untouched)`,
      `file ${lost.id} has a row but no bytes at ${pathOf(lost.id)}`,
    ]);
    expect(fs.existsSync(path.join(temp.storageDir, 'stray-file'))).toBe(true);
    expect(await getFile(lost.id)).not.toBeNull();
    expect(fs.existsSync(pathOf(kept.id))).toBe(true);
  });

  it('finds nothing wrong in a consistent store, including imported ids with + and /', async () => {
    await storeFile({ source: text('ok'), name: 'kept.txt', actor });
    await db().file.create({ data: { id: 'C7+mw7wj', name: 'hello.c', size: 2n, type: 'text/x-c' } });
    fs.writeFileSync(pathOf('C7+mw7wj'), 'hi');
    await db().file.create({ data: { id: 'Ez5tN6/Y', name: 'f4.txt', size: 2n, type: 'text/plain' } });
    fs.writeFileSync(pathOf('Ez5tN6/Y'), 'hi');
    expect(await checkStorageConsistency()).toEqual({ orphanFiles: [], missingFiles: [] });
  });
});

describe('cleanupTempFiles', () => {
  it('removes only temp files not written to for the given time', async () => {
    const tmp = path.join(temp.storageDir, '.tmp');
    fs.mkdirSync(tmp, { recursive: true });
    fs.writeFileSync(path.join(tmp, 'crashed.upload'), 'x');
    // The age counts from the last change of the file (mtime or ctime; ctime cannot be set
    // back), so this test lets real time pass.
    const stored = await storeFile({ source: text('ok'), name: 'kept.txt', actor });
    await new Promise((resolve) => setTimeout(resolve, 400));
    fs.writeFileSync(path.join(tmp, 'running.upload'), 'x');

    expect(await cleanupTempFiles(200)).toEqual(['crashed.upload']);
    expect(fs.readdirSync(tmp)).toEqual(['running.upload']);
    expect(fs.existsSync(pathOf(stored.id))).toBe(true);
  });

  it('removes at once the temp files of a process that is gone, never those of a live one', async () => {
    const tmp = path.join(temp.storageDir, '.tmp');
    fs.mkdirSync(tmp, { recursive: true });
    const [scope, , token] = tempOwnerTag().split('.');
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    try {
      const names = {
        dead: `${scope}.${gone}.0badc0de-1-a.upload`,
        earlierLife: `${scope}.${process.pid}.0badc0de-1-b.replaced`,
        live: `${scope}.${live.pid}.${token}-1-c.upload`,
        mine: `${tempOwnerTag()}-1-d.upload`,
        otherHost: `00000000.${gone}.${token}-1-e.upload`,
      };
      for (const name of Object.values(names)) fs.writeFileSync(path.join(tmp, name), 'x');
      expect((await cleanupTempFiles(60_000)).sort()).toEqual([names.dead, names.earlierLife].sort());
      expect(fs.readdirSync(tmp).sort()).toEqual([names.live, names.mine, names.otherHost].sort());
    } finally {
      live.kill();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('does nothing when there is no temp dir', async () => {
    expect(await cleanupTempFiles(0)).toEqual([]);
  });
});
