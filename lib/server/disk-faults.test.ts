// Uploads when things go wrong underneath: a full disk (a real, small tmpfs as STORAGE_DIR),
// the server killed with SIGKILL in the middle of an upload, and a file replaced again and again
// from both processes (multipart through the front server, tus through Next) while it is being
// downloaded. Needs `npm run build` and, for the full disk, permission to mount a tmpfs (root).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server';

const ADMIN = { ADMIN_USERNAME: 'itadmin', ADMIN_PASSWORD: 'integration-Password-1' };
const MiB = 1024 * 1024;
const NO_SPACE = { code: 'insufficient_storage', message: 'The server has no disk space left for this file.' };

const sha256 = (data: Buffer | Uint8Array) => crypto.createHash('sha256').update(data).digest('hex');

function createToken(server: TestServer): string {
  const created = server.cli(['token', 'create', 'faults', '--expires', '1d']);
  expect(created.status, created.stderr).toBe(0);
  return /fsk_[A-Za-z0-9_-]{43}/.exec(created.stdout)![0];
}

async function multipart(server: TestServer, token: string, name: string, data: Buffer, query = '') {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(data)]), name);
  const response = await fetch(`${server.baseURL}/api/v1/files${query}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
    body: form,
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a response body the test inspects
  const json: any = await response.json();
  return { status: response.status, json };
}

const tusMetadata = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');

function tusCreate(
  server: TestServer,
  token: string,
  name: string,
  length: number,
  extra: Record<string, string> = {},
) {
  return fetch(`${server.baseURL}/api/uploads`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Tus-Resumable': '1.0.0',
      'Upload-Length': String(length),
      'Upload-Metadata': tusMetadata({ filename: name, ...extra }),
    },
  });
}

function tusPatch(server: TestServer, token: string, location: string, offset: number, body: Buffer) {
  return fetch(new URL(location, server.baseURL), {
    method: 'PATCH',
    headers: {
      Authorization: `Bearer ${token}`,
      'Tus-Resumable': '1.0.0',
      'Upload-Offset': String(offset),
      'Content-Type': 'application/offset+octet-stream',
    },
    body: new Uint8Array(body),
  });
}

function tusHead(server: TestServer, token: string, location: string) {
  return fetch(new URL(location, server.baseURL), {
    method: 'HEAD',
    headers: { Authorization: `Bearer ${token}`, 'Tus-Resumable': '1.0.0' },
  });
}

async function tusUpload(server: TestServer, token: string, name: string, data: Buffer, extra = {}) {
  const created = await tusCreate(server, token, name, data.length, extra);
  if (created.status !== 201) return { status: created.status, text: await created.text(), id: null };
  const done = await tusPatch(server, token, created.headers.get('location')!, 0, data);
  return { status: done.status, text: await done.text(), id: done.headers.get('x-file-id') };
}

const entries = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

// ---------------------------------------------------------------------------------------------
// A full disk: an 8 MiB tmpfs as the storage directory (the database stays in the data dir).

const tmpfsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fileserver-tmpfs-'));
let mountError: string | null = null;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', tmpfsDir], { stdio: 'pipe' });
} catch (error) {
  mountError = `cannot mount a tmpfs here (needs root): ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
}
if (mountError) {
  console.warn(`[disk-faults] full-disk tests skipped: ${mountError}`);
  fs.rmSync(tmpfsDir, { recursive: true, force: true });
}

describe.skipIf(mountError !== null)('a full disk', () => {
  let server: TestServer;
  let token: string;
  const filler = path.join(tmpfsDir, '.filler');
  const free = () => {
    const stats = fs.statfsSync(tmpfsDir);
    return stats.bavail * stats.bsize;
  };
  let emptyFree: number;

  /** Fills the disk to the last byte. */
  function fillDisk() {
    try {
      fs.writeFileSync(filler, Buffer.alloc(16 * MiB, 1));
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOSPC') throw error;
    }
    expect(free()).toBeLessThan(4096);
  }

  beforeAll(async () => {
    server = await startTestServer({ ...ADMIN, STORAGE_DIR: tmpfsDir, MAX_UPLOAD_SIZE: '64MiB' });
    token = createToken(server);
    emptyFree = free();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    execFileSync('umount', ['-l', tmpfsDir]);
    fs.rmSync(tmpfsDir, { recursive: true, force: true });
  });

  it('answers 507 to a multipart upload that does not fit, leaves nothing in .tmp and gives the space back', async () => {
    const result = await multipart(server, token, 'too-big.bin', crypto.randomBytes(12 * MiB));
    expect(result).toEqual({ status: 507, json: { error: NO_SPACE } });
    await expect.poll(() => entries(path.join(tmpfsDir, '.tmp'))).toEqual([]);
    await expect.poll(free).toBeGreaterThan(emptyFree - 64 * 1024);
  });

  it('answers 507 to a tus create on a full disk and leaves no partial upload behind', async () => {
    fillDisk();
    try {
      const created = await tusCreate(server, token, 'no-room.bin', MiB);
      expect(created.status).toBe(507);
      expect(await created.json()).toEqual({ error: NO_SPACE });
      expect(entries(path.join(tmpfsDir, '.tus'))).toEqual([]);
    } finally {
      fs.rmSync(filler, { force: true });
    }
  });

  it('answers 507 to a tus PATCH that fills the disk, removes the partial and gives the space back', async () => {
    const data = crypto.randomBytes(12 * MiB);
    const created = await tusCreate(server, token, 'fills-disk.bin', data.length);
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    const patched = await tusPatch(server, token, location, 0, data);
    expect(patched.status).toBe(507);
    expect(await patched.json()).toEqual({ error: NO_SPACE });
    expect(entries(path.join(tmpfsDir, '.tus'))).toEqual([]);
    await expect.poll(free).toBeGreaterThan(emptyFree - 64 * 1024);
    // The partial is gone: resuming it is the ordinary "start it again".
    expect((await tusHead(server, token, location)).status).toBe(404);
  });

  it('takes uploads again once there is space', async () => {
    const viaForm = crypto.randomBytes(MiB);
    const stored = await multipart(server, token, 'fits.bin', viaForm, '?visibility=public');
    expect(stored.status).toBe(201);
    const viaTus = crypto.randomBytes(MiB + 17);
    const done = await tusUpload(server, token, 'fits-too.bin', viaTus, { visibility: 'public' });
    expect(done.status).toBe(204);
    for (const [id, data] of [
      [stored.json.id as string, viaForm],
      [done.id!, viaTus],
    ] as const) {
      const response = await fetch(`${server.baseURL}/${id}`);
      expect(sha256(Buffer.from(await response.arrayBuffer()))).toBe(sha256(data));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The server killed (SIGKILL, front server and Next together) while an upload streams.

describe('a server killed mid-upload', () => {
  let dataDir: string;
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fileserver-kill-'));
    server = await startTestServer({ ...ADMIN, DATA_DIR: dataDir, MAX_UPLOAD_SIZE: '256MiB' });
    token = createToken(server);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const storage = () => path.join(dataDir, 'files');
  const sizeOf = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);

  /** A request whose body streams `sent` bytes and then waits forever (until the server dies). */
  function hangingRequest(url: string, headers: Record<string, string>, first: Buffer): http.ClientRequest {
    const request = http.request(url, { method: headers['X-Method'] ?? 'POST', headers });
    request.on('error', () => {}); // the server dies under it
    request.write(first);
    return request;
  }

  async function restart() {
    await server.killTree('SIGKILL');
    server = await startTestServer({ ...ADMIN, DATA_DIR: dataDir, MAX_UPLOAD_SIZE: '256MiB' });
  }

  it('leaves no multipart temp file behind after the restart', async () => {
    const boundary = '----killed-upload';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="killed.bin"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    );
    const request = hangingRequest(
      `${server.baseURL}/api/v1/files`,
      {
        Authorization: `Bearer ${token}`,
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        'Content-Length': String(head.length + 64 * MiB + 100),
      },
      Buffer.concat([head, crypto.randomBytes(8 * MiB)]),
    );
    const tempDir = path.join(storage(), '.tmp');
    await expect.poll(() => entries(tempDir).reduce((sum, e) => sum + sizeOf(path.join(tempDir, e)), 0)).toBe(8 * MiB);
    await restart();
    request.destroy();
    await expect.poll(() => entries(tempDir), { timeout: 10_000 }).toEqual([]);
    expect(server.output()).toMatch(/temp-file cleanup: removed 1 /);
  });

  it('resumes a tus upload from the offset it reached, and the stored bytes are whole', async () => {
    const data = crypto.randomBytes(12 * MiB);
    const created = await tusCreate(server, token, 'resumed.bin', data.length, { visibility: 'public' });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    const id = location.split('/').pop()!;
    const partial = path.join(storage(), '.tus', id);
    const request = hangingRequest(
      new URL(location, server.baseURL).href,
      {
        'X-Method': 'PATCH',
        Authorization: `Bearer ${token}`,
        'Tus-Resumable': '1.0.0',
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
        'Content-Length': String(data.length),
      },
      data.subarray(0, 5 * MiB),
    );
    await expect.poll(() => sizeOf(partial)).toBe(5 * MiB);
    await restart();
    request.destroy();

    const head = await tusHead(server, token, location);
    expect(head.status).toBe(200);
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBe(5 * MiB);
    const rest = await tusPatch(server, token, location, offset, data.subarray(offset));
    expect(rest.status).toBe(204);
    const fileId = rest.headers.get('x-file-id');
    const download = await fetch(`${server.baseURL}/${fileId}`);
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(data));
    expect(entries(path.join(storage(), '.tus'))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Replacing one name over and over from both processes while it is being downloaded.

describe('replace under concurrent downloads', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer({ ...ADMIN, MAX_UPLOAD_SIZE: '64MiB' });
    token = createToken(server);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('sends the bytes, Content-Length and ETag of one version in every download', async () => {
    const name = 'replaced often.bin';
    // Every version has its own size, so old headers over new bytes cannot go unnoticed.
    const versions = Array.from({ length: 41 }, (_, i) => crypto.randomBytes(256 * 1024 + i * 4099));
    const bySha = new Map(versions.map((v) => [sha256(v), v.length]));
    const first = await multipart(server, token, name, versions[0], '?visibility=public');
    expect(first.status).toBe(201);

    const problems: string[] = [];
    const etags = new Map<string, string>();
    let replacing = true;
    let downloads = 0;

    async function downloader() {
      while (replacing) {
        let response: Response;
        let body: Buffer;
        try {
          response = await fetch(`${server.baseURL}/by-name/${encodeURIComponent(name)}`);
          body = Buffer.from(await response.arrayBuffer());
        } catch (error) {
          const cause = (error as Error).cause as Error | undefined;
          problems.push(`download failed: ${(error as Error).message} (${cause?.message ?? ''})`);
          continue;
        }
        downloads++;
        const length = Number(response.headers.get('content-length'));
        const hash = sha256(body);
        const etag = response.headers.get('etag')!;
        if (response.status !== 200) problems.push(`status ${response.status}`);
        else if (body.length !== length) problems.push(`Content-Length ${length}, body ${body.length} bytes`);
        else if (!bySha.has(hash)) problems.push(`body of ${body.length} bytes is no uploaded version`);
        else if ((etags.get(etag) ?? hash) !== hash) problems.push(`ETag ${etag} named two different versions`);
        else etags.set(etag, hash);
      }
    }

    async function replacer(via: 'multipart' | 'tus', indexes: number[]) {
      for (const i of indexes) {
        const result =
          via === 'multipart'
            ? await multipart(server, token, name, versions[i], '?replace=1')
            : await tusUpload(server, token, name, versions[i], { replace: '1' });
        if (result.status !== (via === 'multipart' ? 201 : 204)) {
          problems.push(`${via} replace answered ${result.status}`);
        }
      }
    }

    const odd = versions.map((_, i) => i).filter((i) => i % 2 === 1);
    const even = versions.map((_, i) => i).filter((i) => i > 0 && i % 2 === 0);
    const downloaders = Array.from({ length: 4 }, downloader);
    await Promise.all([replacer('multipart', odd), replacer('tus', even)]);
    replacing = false;
    await Promise.all(downloaders);

    expect(problems.slice(0, 10)).toEqual([]);
    expect(downloads).toBeGreaterThan(20);
    // In the end the row describes the bytes on disk.
    const list = await fetch(`${server.baseURL}/api/v1/files?q=${encodeURIComponent(name)}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const row = (await list.json()).items[0];
    const final = Buffer.from(await (await fetch(`${server.baseURL}/${row.id}`)).arrayBuffer());
    expect(row.size).toBe(final.length);
    expect(bySha.get(sha256(final))).toBe(final.length);
  }, 120_000);
});
