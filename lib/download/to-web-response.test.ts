import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planDownload, type DownloadFile, type DownloadRequestHeaders } from './plan-download';
import { notFound, renderDownloadError } from './render-download-error';
import { toWebResponse } from './to-web-response';

let dir: string;
let filePath: string;
const content = crypto.randomBytes(3 * 1024 * 1024 + 777);
let file: DownloadFile;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'download-web-'));
  filePath = path.join(dir, 'file');
  fs.writeFileSync(filePath, content);
  file = { id: 'web', name: 'Übersicht.bin', size: content.length, mtimeMs: fs.statSync(filePath).mtimeMs };
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const plan = (headers: DownloadRequestHeaders = {}, method: 'GET' | 'HEAD' = 'GET', facts = file) =>
  planDownload({ method, headers, file: facts });

function openDescriptors(target: string): number {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === target;
    } catch {
      return false;
    }
  }).length;
}

/** Closing a FileHandle is asynchronous: wait (briefly) until no descriptor is open on the file. */
async function expectClosed() {
  const start = Date.now();
  while (openDescriptors(filePath) > 0 && Date.now() - start < 2000) await new Promise((r) => setTimeout(r, 10));
  expect(openDescriptors(filePath)).toBe(0);
}

describe('toWebResponse', () => {
  it('streams the whole file with the planned status and headers', async () => {
    const response = await toWebResponse(plan(), filePath);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toContain("filename*=UTF-8''%C3%9Cbersicht.bin");
    expect(response.headers.get('etag')).toBe(plan().headers.ETag);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.equals(content)).toBe(true);
    await expectClosed();
  });

  it('streams a range (206)', async () => {
    const response = await toWebResponse(plan({ range: 'bytes=1048000-2097999' }), filePath);
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes 1048000-2097999/${content.length}`);
    expect(Buffer.from(await response.arrayBuffer()).equals(content.subarray(1048000, 2098000))).toBe(true);
  });

  it('has no body for HEAD, 304 and 416', async () => {
    for (const p of [plan({}, 'HEAD'), plan({ 'if-none-match': '*' }), plan({ range: 'bytes=999999999-' })]) {
      const response = await toWebResponse(p, filePath);
      expect(response.status).toBe(p.status);
      expect(response.body).toBeNull();
    }
  });

  it('closes the file when the consumer cancels mid-stream, without crashing the process', async () => {
    const response = await toWebResponse(plan(), filePath);
    const reader = response.body!.getReader();
    await reader.read();
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the queue fill (backpressure)
    await reader.read();
    await reader.cancel();
    await expectClosed();
  });

  it('answers the ordinary 404 when the file vanished', async () => {
    const response = await toWebResponse(plan(), path.join(dir, 'missing'), { accept: 'text/html' });
    expect(response.status).toBe(404);
    expect(await response.text()).toBe(renderDownloadError(notFound(), 'text/html').body);
  });

  it('fails the body when the file is shorter than planned', async () => {
    const response = await toWebResponse(plan({}, 'GET', { ...file, size: content.length + 10 }), filePath);
    await expect(response.arrayBuffer()).rejects.toThrow(/ended 10 bytes before/);
    await expectClosed();
  });
});
