// The /api/uploads handler driven with Web Requests, as Next hands them over: auth, creating,
// chunked and interrupted PATCHes resumed from HEAD's offset, the final step into the file
// store, the size limit, name conflicts, cancelling, and the cleanup of abandoned uploads.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiToken } from '../auth/api-tokens';
import { db } from '../db';
import { resolveStoragePath } from '../download/storage-path';
import { getFileByName } from '../files';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { addUser } from '../users';
import { cleanUpExpiredUploads, handleUploadRequest, uploadDirectory } from '.';

const actor = { user: 'setup', ip: '127.0.0.1' };
const ORIGIN = 'http://files.test';
const MiB = 1024 * 1024;

let temp: TempEnv;
let token: string;
beforeAll(async () => {
  temp = await createTempEnv({ MAX_UPLOAD_SIZE: '4MiB', UPLOAD_EXPIRY: '1h' });
  const user = await addUser({ username: 'uploader', password: 'a-Strong-uploader-pass-1', actor });
  ({ token } = await createApiToken({ name: 'tus', userId: user.id, expiresInMs: null, actor }));
});
afterAll(async () => {
  await temp?.cleanup();
});
beforeEach(async () => {
  await db().file.deleteMany();
  fs.rmSync(uploadDirectory(), { recursive: true, force: true });
});

type Call = { method: string; path?: string; headers?: Record<string, string>; body?: BodyInit; auth?: boolean };

function call({ method, path: target = '/api/uploads', headers = {}, body, auth = true }: Call): Promise<Response> {
  const request = new Request(new URL(target, ORIGIN), {
    method,
    headers: { 'Tus-Resumable': '1.0.0', ...(auth ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body,
    // @ts-expect-error Node's fetch needs this for a streamed body; not in the DOM types.
    duplex: body ? 'half' : undefined,
  });
  return handleUploadRequest(request, { params: Promise.resolve({}) });
}

const metadata = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');

async function create(name: string, size: number, extra: Record<string, string> = {}): Promise<Response> {
  return call({
    method: 'POST',
    headers: { 'Upload-Length': String(size), 'Upload-Metadata': metadata({ filename: name, ...extra }) },
  });
}

function patch(location: string, offset: number, body: BodyInit): Promise<Response> {
  return call({
    method: 'PATCH',
    path: location,
    headers: { 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' },
    body,
  });
}

/** A body that sends `bytes` in pieces and then fails, like a connection that drops mid-chunk. */
function droppingBody(bytes: Buffer): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    async pull(controller) {
      if (offset < bytes.length) {
        controller.enqueue(new Uint8Array(bytes.subarray(offset, offset + 64 * 1024)));
        offset += 64 * 1024;
        return;
      }
      // The connection drops a moment after the last bytes arrived.
      await new Promise((resolve) => setTimeout(resolve, 50));
      controller.error(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    },
  });
}

const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');
const storedBytes = (id: string) => fs.readFileSync(resolveStoragePath(temp.storageDir, id));
const tusEntries = () => (fs.existsSync(uploadDirectory()) ? fs.readdirSync(uploadDirectory()) : []);

describe('authorization', () => {
  it('answers 401 without a session or token, for every method, before tus sees the request', async () => {
    for (const method of ['POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS']) {
      const response = await call({
        method,
        path: '/api/uploads/abc',
        auth: false,
        headers: { 'Upload-Length': '10' },
      });
      expect(response.status, method).toBe(401);
    }
    const refused = await call({
      method: 'POST',
      auth: false,
      headers: { 'Upload-Length': '1', 'Upload-Metadata': metadata({ filename: 'x' }) },
    });
    expect((await refused.json()).error.code).toBe('unauthorized');
    expect(tusEntries()).toEqual([]);
  });

  it('refuses a revoked or made-up token', async () => {
    const response = await call({
      method: 'POST',
      auth: false,
      headers: { Authorization: 'Bearer fsk_nope', 'Upload-Length': '1' },
    });
    expect(response.status).toBe(401);
  });
});

describe('a chunked upload', () => {
  it('is created with a relative Location, resumes from the offset HEAD reports, and ends as a stored file', async () => {
    const data = crypto.randomBytes(3 * MiB + 123);
    const created = await create('report 2024.pdf', data.length, { visibility: 'public' });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    expect(location).toMatch(/^\/api\/uploads\/[0-9a-f]{32}$/);
    expect(created.headers.get('upload-expires')).toBeTruthy();

    // The first chunk arrives whole.
    const first = await patch(location, 0, data.subarray(0, MiB));
    expect(first.status).toBe(204);
    expect(first.headers.get('upload-offset')).toBe(String(MiB));

    // The second chunk's connection drops after half a MiB: what arrived is kept.
    const dropped = await patch(location, MiB, droppingBody(data.subarray(MiB, MiB + MiB / 2)));
    expect(dropped.status).toBeGreaterThanOrEqual(400);

    const head = await call({ method: 'HEAD', path: location });
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-length')).toBe(String(data.length));
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(MiB);
    expect(offset).toBeLessThanOrEqual(MiB + MiB / 2);

    // A PATCH from a wrong offset is refused without touching the upload.
    expect((await patch(location, 0, data.subarray(0, 10))).status).toBe(409);

    const rest = await patch(location, offset, data.subarray(offset));
    expect(rest.status).toBe(204);
    const id = rest.headers.get('x-file-id')!;
    expect(id).toMatch(/^[A-Za-z0-9_-]{8}$/);

    const file = await getFileByName('report 2024.pdf');
    expect(file).toMatchObject({ id, size: BigInt(data.length), visibility: 'public', type: 'application/pdf' });
    expect(sha256(storedBytes(id))).toBe(sha256(data));
    expect(tusEntries()).toEqual([]);
    const audit = await db().log.findFirstOrThrow({ where: { action: 'upload', fileId: id } });
    expect(audit.user).toBe('uploader (token: tus)');

    // The upload is finished and gone: resuming it is a clear 404.
    const again = await call({ method: 'HEAD', path: location });
    expect(again.status).toBe(404);
  });

  it('keeps a non-ASCII name as given (tus metadata is base64 UTF-8)', async () => {
    const name = 'Übersicht 2024 – 报告 📄.pdf';
    const created = await create(name, 3);
    const done = await patch(created.headers.get('location')!, 0, Buffer.from('pdf'));
    expect(done.status).toBe(204);
    expect((await getFileByName(name))?.id).toBe(done.headers.get('x-file-id'));
  });

  it('stores an empty file at creation', async () => {
    const created = await create('empty.txt', 0);
    expect(created.status).toBe(201);
    const file = await getFileByName('empty.txt');
    expect(created.headers.get('x-file-id')).toBe(file?.id);
    expect(storedBytes(file!.id).length).toBe(0);
    await expect.poll(tusEntries).toEqual([]);
  });
});

describe('limits and conflicts', () => {
  it('answers 413 with the limit for an upload larger than MAX_UPLOAD_SIZE', async () => {
    const response = await create('huge.iso', 4 * MiB + 1);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: { code: 'payload_too_large', message: 'The file is larger than the upload limit of 4.0 MiB.' },
    });
    expect(tusEntries()).toEqual([]);
  });

  it('refuses a taken name when the upload is created, and replaces with replace=1', async () => {
    const first = await create('notes.txt', 5);
    await patch(first.headers.get('location')!, 0, Buffer.from('first'));
    const original = (await getFileByName('notes.txt'))!;

    const taken = await create('notes.txt', 6);
    expect(taken.status).toBe(409);
    expect((await taken.json()).error).toEqual({
      code: 'conflict',
      message: 'A file named "notes.txt" already exists. Upload it with replace to overwrite it.',
    });

    const replacing = await create('notes.txt', 6, { replace: '1' });
    expect(replacing.status).toBe(201);
    const done = await patch(replacing.headers.get('location')!, 0, Buffer.from('second'));
    expect(done.headers.get('x-file-id')).toBe(original.id);
    expect(storedBytes(original.id).toString()).toBe('second');
  });

  it('answers 409 at the end when the name was taken meanwhile, leaving no partial upload behind', async () => {
    const slow = await create('race.bin', 4);
    const quick = await create('race.bin', 1);
    await patch(quick.headers.get('location')!, 0, Buffer.from('q'));
    const late = await patch(slow.headers.get('location')!, 0, Buffer.from('slow'));
    expect(late.status).toBe(409);
    expect((await late.json()).error.code).toBe('conflict');
    expect(tusEntries()).toEqual([]);
    expect(storedBytes((await getFileByName('race.bin'))!.id).toString()).toBe('q');
  });

  it('refuses an upload without a file name or with an impossible one', async () => {
    const unnamed = await call({ method: 'POST', headers: { 'Upload-Length': '1' } });
    expect(unnamed.status).toBe(400);
    expect((await unnamed.json()).error.message).toContain('filename');
    const slashed = await create('../etc/passwd', 1);
    expect(slashed.status).toBe(422);
    expect((await slashed.json()).error.message).toBe('The file name must not contain "/" or "\\".');
  });
});

describe('cancelling and expiry', () => {
  it('DELETE removes a partial upload', async () => {
    const created = await create('cancel-me.bin', 100);
    const location = created.headers.get('location')!;
    await patch(location, 0, Buffer.alloc(40));
    expect(tusEntries()).toHaveLength(2);
    expect((await call({ method: 'DELETE', path: location })).status).toBe(204);
    expect(tusEntries()).toEqual([]);
    expect(await getFileByName('cancel-me.bin')).toBeNull();
  });

  it('removes uploads older than UPLOAD_EXPIRY and leftovers without their pair, keeps fresh ones', async () => {
    const old = await create('abandoned.bin', 100);
    const oldId = old.headers.get('location')!.split('/').pop()!;
    await patch(old.headers.get('location')!, 0, Buffer.alloc(10));
    const fresh = await create('in-progress.bin', 100);
    const freshId = fresh.headers.get('location')!.split('/').pop()!;

    const infoFile = path.join(uploadDirectory(), `${oldId}.json`);
    const info = JSON.parse(fs.readFileSync(infoFile, 'utf8'));
    fs.writeFileSync(
      infoFile,
      JSON.stringify({ ...info, creation_date: new Date(Date.now() - 2 * 3600_000).toISOString() }),
    );
    // A data file whose info file is gone, last written two hours ago.
    const stray = path.join(uploadDirectory(), 'deadbeef');
    fs.writeFileSync(stray, 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    fs.utimesSync(stray, twoHoursAgo, twoHoursAgo);

    // Expired uploads are refused before the cleanup runs, too.
    expect((await call({ method: 'HEAD', path: `/api/uploads/${oldId}` })).status).toBe(410);

    expect(await cleanUpExpiredUploads()).toBe(2);
    expect(tusEntries().sort()).toEqual([freshId, `${freshId}.json`].sort());
  });
});
