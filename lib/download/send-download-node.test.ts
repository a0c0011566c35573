import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../errors';
import { isDownloadMethod, planDownload, type DownloadFile } from './plan-download';
import { notFound, renderDownloadError } from './render-download-error';
import { sendDownloadNode } from './send-download-node';
import { sendErrorNode } from './send-error';
import { resolveStoragePath } from './storage-path';

// A real bare-Node server on port 0, answering GET/HEAD /<id> from a storage directory the way
// a download route does (the row lookup is a stat here; access is not this module's concern).

type Finish = { completed: boolean; bytesSent: number; error?: Error };

let storageDir: string;
let server: http.Server;
let origin: string;
const finishes = new Map<string, Finish[]>();
/** Test overrides of the file facts the plan gets (to fake a stale database row). */
const facts = new Map<string, Partial<DownloadFile>>();

beforeAll(async () => {
  storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'download-'));
  server = http.createServer((req, res) => {
    const accept = req.headers.accept;
    if (!isDownloadMethod(req.method)) {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    let filePath: string;
    let id: string;
    try {
      id = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
      filePath = resolveStoragePath(storageDir, id);
    } catch (error) {
      sendErrorNode(res, isAppError(error) ? error : notFound(), accept);
      return;
    }
    const stat = fs.statSync(filePath, { throwIfNoEntry: false });
    const override = facts.get(id);
    if (!stat?.isFile() && !override) {
      sendErrorNode(res, notFound(), accept);
      return;
    }
    const file: DownloadFile = {
      id,
      name: `${id}.bin`,
      size: stat?.size ?? 0,
      mtimeMs: stat?.mtimeMs ?? 0,
      ...override,
    };
    const plan = planDownload({ method: req.method, headers: req.headers, file });
    sendDownloadNode(res, plan, filePath, {
      onFinish: (completed, bytesSent, error) => {
        const list = finishes.get(id) ?? [];
        list.push({ completed, bytesSent, error });
        finishes.set(id, list);
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(storageDir, { recursive: true, force: true });
});

function writeFile(id: string, content: Buffer): string {
  const filePath = resolveStoragePath(storageDir, id);
  fs.writeFileSync(filePath, content);
  return filePath;
}

const sha256 = (data: Buffer | Uint8Array) => crypto.createHash('sha256').update(data).digest('hex');

/** A raw request, so nothing (like fetch) hides or adds anything. */
function request(
  urlPath: string,
  { method = 'GET', headers = {} }: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${origin}${urlPath}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000) {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** File descriptors of this process (server and client live here) open on `filePath`. */
function openDescriptors(filePath: string): number {
  let count = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === filePath) count++;
    } catch {
      // closed while we looked
    }
  }
  return count;
}

describe('sendDownloadNode over a real http server', () => {
  const content = crypto.randomBytes(3 * 1024 * 1024 + 12345); // several 1 MiB reads and a tail
  beforeAll(() => {
    writeFile('multi', content);
    writeFile('empty', Buffer.alloc(0));
  });

  it('sends the whole file with Content-Length; the sha256 matches (fetch)', async () => {
    const response = await fetch(`${origin}/multi`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(content.length));
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename=multi.bin');
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('etag')).toMatch(/^"/);
    expect(response.headers.get('last-modified')).toMatch(/GMT$/);
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(content));
    await waitFor(() => (finishes.get('multi') ?? []).length > 0, 'onFinish');
    expect(finishes.get('multi')?.at(-1)).toEqual({ completed: true, bytesSent: content.length, error: undefined });
  });

  it('sends exactly the requested bytes for a Range (206)', async () => {
    const { status, headers, body } = await request('/multi', { headers: { range: 'bytes=1048570-1048589' } });
    expect(status).toBe(206);
    expect(headers['content-length']).toBe('20');
    expect(headers['content-range']).toBe(`bytes 1048570-1048589/${content.length}`);
    expect(body.equals(content.subarray(1048570, 1048590))).toBe(true);

    const suffix = await request('/multi', { headers: { range: 'bytes=-100' } });
    expect(suffix.status).toBe(206);
    expect(suffix.body.equals(content.subarray(content.length - 100))).toBe(true);
  });

  it('resumes a download: If-Range with the ETag gives the rest, a stale ETag the whole file', async () => {
    const first = await request('/multi', { method: 'HEAD' });
    const etag = String(first.headers.etag);
    const rest = await request('/multi', { headers: { range: 'bytes=2000000-', 'if-range': etag } });
    expect(rest.status).toBe(206);
    expect(Buffer.concat([content.subarray(0, 2000000), rest.body]).equals(content)).toBe(true);
    const stale = await request('/multi', { headers: { range: 'bytes=2000000-', 'if-range': '"old"' } });
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(content.length);
  });

  it('answers HEAD with Content-Length and no body', async () => {
    const { status, headers, body } = await request('/multi', { method: 'HEAD' });
    expect(status).toBe(200);
    expect(headers['content-length']).toBe(String(content.length));
    expect(body.length).toBe(0);
    await waitFor(() => (finishes.get('multi') ?? []).some((f) => f.bytesSent === 0), 'HEAD onFinish');
  });

  it('answers 304 to If-None-Match and If-Modified-Since, without a body', async () => {
    const { headers } = await request('/multi', { method: 'HEAD' });
    const byTag = await request('/multi', { headers: { 'if-none-match': String(headers.etag) } });
    expect(byTag.status).toBe(304);
    expect(byTag.body.length).toBe(0);
    expect(byTag.headers.etag).toBe(headers.etag);
    const byDate = await request('/multi', { headers: { 'if-modified-since': String(headers['last-modified']) } });
    expect(byDate.status).toBe(304);
    expect(byDate.body.length).toBe(0);
  });

  it('answers 416 with Content-Range bytes */size for an unsatisfiable range', async () => {
    const { status, headers, body } = await request('/multi', { headers: { range: `bytes=${content.length}-` } });
    expect(status).toBe(416);
    expect(headers['content-range']).toBe(`bytes */${content.length}`);
    expect(headers['content-length']).toBe('0');
    expect(body.length).toBe(0);
  });

  it('sends a zero-byte file as 200 with Content-Length 0', async () => {
    const { status, headers, body } = await request('/empty');
    expect(status).toBe(200);
    expect(headers['content-length']).toBe('0');
    expect(body.length).toBe(0);
    expect((await request('/empty', { headers: { range: 'bytes=0-' } })).status).toBe(416);
  });

  it('keeps the connection usable for the next request (keep-alive)', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 3; i++) {
        const response = await new Promise<http.IncomingMessage>((resolve, reject) =>
          http.get(`${origin}/multi`, { agent, headers: { range: 'bytes=0-9' } }, resolve).on('error', reject),
        );
        const chunks: Buffer[] = [];
        for await (const chunk of response) chunks.push(chunk as Buffer);
        expect(Buffer.concat(chunks).equals(content.subarray(0, 10))).toBe(true);
      }
    } finally {
      agent.destroy();
    }
  });
});

describe('sendDownloadNode when things go wrong', () => {
  it('frees the file descriptor at once when the client aborts mid-download', async () => {
    const big = writeFile('big', Buffer.alloc(0));
    fs.truncateSync(big, 256 * 1024 * 1024); // sparse: 256 MiB without using the disk
    const before = fs.readdirSync('/proc/self/fd').length;

    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${origin}/big`, { agent: false }, (res) => {
        expect(res.headers['content-length']).toBe(String(256 * 1024 * 1024));
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received >= 4 * 1024 * 1024) {
            expect(openDescriptors(big)).toBe(1); // the server is streaming from it right now
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (error) => {
        if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
      });
    });

    await waitFor(() => openDescriptors(big) === 0, 'the read stream to close its descriptor', 2000);
    await waitFor(() => (finishes.get('big') ?? []).length > 0, 'onFinish');
    const finish = finishes.get('big')![0];
    expect(finish.completed).toBe(false);
    expect(finish.bytesSent).toBeLessThan(256 * 1024 * 1024);
    await waitFor(() => fs.readdirSync('/proc/self/fd').length <= before, 'no descriptor leak', 2000);
  });

  it('answers the ordinary 404 when the file vanished between plan and open', async () => {
    facts.set('vanished', { size: 100, mtimeMs: Date.now() }); // a row whose file is gone
    const browser = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';
    const page = await request('/vanished', { headers: { accept: browser } });
    expect(page.status).toBe(404);
    expect(page.body.toString()).toBe(renderDownloadError(notFound(), browser).body);
    const json = await request('/vanished');
    expect(json.status).toBe(404);
    expect(JSON.parse(json.body.toString())).toEqual({ error: { code: 'not_found', message: notFound().message } });
    // identical to a request for an id that never existed
    const never = await request('/never-existed', { headers: { accept: browser } });
    expect(never.status).toBe(404);
    expect(never.body.equals(page.body)).toBe(true);
    expect(never.headers['content-type']).toBe(page.headers['content-type']);
    expect(never.headers['content-length']).toBe(page.headers['content-length']);
    expect(finishes.get('vanished')?.[0]).toMatchObject({ completed: false, bytesSent: 0 });
  });

  it('cuts the connection instead of a silently short body when the file is shorter than planned', async () => {
    const shortContent = crypto.randomBytes(1024 * 1024 + 10);
    writeFile('short', shortContent);
    facts.set('short', { size: 2 * 1024 * 1024 }); // the row still says 2 MiB
    const response = await fetch(`${origin}/short`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(2 * 1024 * 1024));
    await expect(response.arrayBuffer()).rejects.toThrow();
    await waitFor(() => (finishes.get('short') ?? []).length > 0, 'onFinish');
    expect(finishes.get('short')![0]).toMatchObject({ completed: false, bytesSent: shortContent.length });
    const shortPath = resolveStoragePath(storageDir, 'short');
    await waitFor(() => openDescriptors(shortPath) === 0, 'the read stream to close', 2000);
  });

  it('never leaves the storage directory, whatever the id', async () => {
    writeFile('inside', Buffer.from('inside'));
    const attempts = [
      '/..%2F..%2F..%2F..%2Fetc%2Fpasswd',
      '/..%2F..%2Fetc%2Fpasswd',
      '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/..',
      '/%2e%2e',
      '/.',
      '/%00',
      '/inside%00.txt',
      '/%2Fetc%2Fpasswd',
      '/..%5C..%5Cetc%5Cpasswd',
    ];
    for (const attempt of attempts) {
      const { status, body } = await request(attempt);
      expect([400, 404], attempt).toContain(status);
      expect(body.toString(), attempt).not.toContain('root:');
    }
  });
});
