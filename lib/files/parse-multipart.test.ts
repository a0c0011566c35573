import fs from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../db';
import { resolveStoragePath } from '../download/storage-path';
import { AppError } from '../errors';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { receiveMultipartUpload, requestBodyToReadable, uploadHeadersOf } from './parse-multipart';
import { filesUnder } from './test-helpers';

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

/** A real multipart request, encoded by undici exactly as fetch() would send it. */
function multipartRequest(form: FormData): Request {
  return new Request('http://localhost/api/v1/files', { method: 'POST', body: form });
}

function upload(request: Request, options: { replace?: boolean; visibility?: 'public' | 'private' } = {}) {
  return receiveMultipartUpload({
    headers: uploadHeadersOf(request),
    body: requestBodyToReadable(request),
    actor,
    ...options,
  });
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function leftovers() {
  return { files: filesUnder(temp.storageDir), rows: await db().file.count() };
}

/** The encoded body of a form, to cut it short. */
async function encoded(form: FormData): Promise<{ contentType: string; bytes: Buffer }> {
  const request = multipartRequest(form);
  return { contentType: request.headers.get('content-type')!, bytes: Buffer.from(await request.arrayBuffer()) };
}

const bytes = (size: number, fill = 1) => new Blob([Buffer.alloc(size, fill)]);

describe('receiveMultipartUpload', () => {
  it('stores the file of the "file" field under its own name', async () => {
    const form = new FormData();
    form.append('file', new Blob(['%PDF-1.4 hello']), 'report.pdf');
    const [file] = await upload(multipartRequest(form));
    expect(file).toMatchObject({ name: 'report.pdf', size: 14n, type: 'application/pdf', visibility: 'private' });
    expect(fs.readFileSync(resolveStoragePath(temp.storageDir, file.id), 'utf8')).toBe('%PDF-1.4 hello');
  });

  it('keeps non-ASCII names intact', async () => {
    const form = new FormData();
    form.append('file', new Blob(['x']), 'Übersicht März 漢字 😀.pdf');
    const [file] = await upload(multipartRequest(form));
    expect(file.name).toBe('Übersicht März 漢字 😀.pdf');
  });

  it('stores several files, a "name" field naming the file after it, with the options asked for', async () => {
    const form = new FormData();
    form.append('name', 'Exact "quoted" name.txt');
    form.append('file', new Blob(['one']), 'ignored.txt');
    form.append('file', bytes(3 * MiB), 'second.bin');
    const files = await upload(multipartRequest(form), { visibility: 'public' });
    expect(files.map((f) => [f.name, f.size, f.visibility])).toEqual([
      ['Exact "quoted" name.txt', 3n, 'public'],
      ['second.bin', BigInt(3 * MiB), 'public'],
    ]);
    expect(await db().log.count({ where: { action: 'upload' } })).toBe(2);
  });

  it('stores an empty file', async () => {
    const form = new FormData();
    form.append('file', new Blob([]), 'empty.txt');
    const [file] = await upload(multipartRequest(form));
    expect(file.size).toBe(0n);
  });

  it('answers 409 for an existing name, and replaces with replace', async () => {
    const first = new FormData();
    first.append('file', new Blob(['v1']), 'doc.txt');
    const [original] = await upload(multipartRequest(first));

    const again = new FormData();
    again.append('file', new Blob(['v2']), 'doc.txt');
    expect((await rejection(upload(multipartRequest(again)))).code).toBe('conflict');

    const replace = new FormData();
    replace.append('file', new Blob(['version 3']), 'doc.txt');
    const [replaced] = await upload(multipartRequest(replace), { replace: true });
    expect(replaced.id).toBe(original.id);
    expect(fs.readFileSync(resolveStoragePath(temp.storageDir, original.id), 'utf8')).toBe('version 3');
  });

  it('refuses a request without a "file" part, reading past other files', async () => {
    const form = new FormData();
    form.append('upload', bytes(1000), 'a.txt');
    form.append('file', 'just text, not a file');
    const error = await rejection(upload(multipartRequest(form)));
    expect(error.code).toBe('bad_request');
    expect(error.message).toBe('Send the file in a multipart/form-data field named "file".');
    expect(await leftovers()).toEqual({ files: [], rows: 0 });
  });

  it('refuses a body that is not multipart/form-data', async () => {
    const request = new Request('http://localhost/api/v1/files', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const error = await rejection(upload(request));
    expect(error.code).toBe('bad_request');
    expect(error.message).toMatch(/multipart\/form-data/);
  });

  it('refuses a multipart content type without a boundary', async () => {
    const request = new Request('http://localhost/api/v1/files', {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; charset=utf-8' },
      body: 'x',
    });
    expect((await rejection(upload(request))).code).toBe('bad_request');
  });

  it('answers 413 for a file over the limit, and stores none of the request', async () => {
    const form = new FormData();
    form.append('file', bytes(1000), 'small.txt');
    form.append('file', bytes(8 * MiB + 1), 'big.bin');
    form.append('file', bytes(1000), 'after.txt');
    const error = await rejection(upload(multipartRequest(form)));
    expect(error.code).toBe('payload_too_large');
    expect(error.status).toBe(413);
    expect(await leftovers()).toEqual({ files: [], rows: 0 });
  });

  it('accepts a file of exactly the limit', async () => {
    const form = new FormData();
    form.append('file', bytes(8 * MiB), 'exact.bin');
    const [file] = await upload(multipartRequest(form));
    expect(file.size).toBe(BigInt(8 * MiB));
  });

  it('refuses two files of one name in one request', async () => {
    const form = new FormData();
    form.append('file', new Blob(['a']), 'same.txt');
    form.append('file', new Blob(['b']), 'same.txt');
    expect((await rejection(upload(multipartRequest(form)))).code).toBe('conflict');
    expect(await leftovers()).toEqual({ files: [], rows: 0 });
  });

  it('refuses an invalid name without storing anything', async () => {
    const form = new FormData();
    form.append('name', '..');
    form.append('file', new Blob(['a']), 'fine.txt');
    expect((await rejection(upload(multipartRequest(form)))).code).toBe('validation_failed');
    expect(await leftovers()).toEqual({ files: [], rows: 0 });
  });

  describe('a client that goes away mid-body', () => {
    async function cutForm() {
      const form = new FormData();
      form.append('file', bytes(MiB, 2), 'first.bin');
      form.append('file', bytes(4 * MiB, 3), 'second.bin');
      return encoded(form);
    }

    it('rejects and leaves nothing when the connection errors', async () => {
      const { contentType, bytes: body } = await cutForm();
      const half = body.subarray(0, body.length / 2);
      let sent = false;
      const stream = new Readable({
        read() {
          if (!sent) {
            sent = true;
            this.push(half);
            return;
          }
          this.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
        },
      });
      const error = await rejection(
        receiveMultipartUpload({ headers: { 'content-type': contentType }, body: stream, actor }),
      );
      expect(error.code).toBe('bad_request');
      expect(error.message).toMatch(/interrupted/);
      expect(await leftovers()).toEqual({ files: [], rows: 0 });
    });

    it('rejects and leaves nothing when the body just stops', async () => {
      const { contentType, bytes: body } = await cutForm();
      const stream = Readable.from([body.subarray(0, body.length - 100_000)]);
      const error = await rejection(
        receiveMultipartUpload({ headers: { 'content-type': contentType }, body: stream, actor }),
      );
      expect(error.code).toBe('bad_request');
      expect(error.message).toMatch(/interrupted/);
      expect(await leftovers()).toEqual({ files: [], rows: 0 });
    });

    it('rejects when a Web Request body is aborted', async () => {
      const { contentType, bytes: body } = await cutForm();
      const controller = new AbortController();
      let pulls = 0;
      const webBody = new ReadableStream<Uint8Array>({
        pull(stream) {
          pulls++;
          if (pulls === 1) stream.enqueue(body.subarray(0, 2 * MiB));
          else stream.error(new Error('client went away'));
        },
      });
      const request = new Request('http://localhost/api/v1/files', {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: webBody,
        duplex: 'half',
        signal: controller.signal,
      } as RequestInit);
      const error = await rejection(upload(request));
      expect(error.code).toBe('bad_request');
      expect(await leftovers()).toEqual({ files: [], rows: 0 });
    });
  });
});
