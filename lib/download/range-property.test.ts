import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planDownload } from './plan-download';
import { sendDownloadNode } from './send-download-node';

// For any file size and any valid single range, the answer is a 206 whose Content-Range,
// Content-Length and (over a real socket) body length all agree with the range, clipped as
// RFC 9110 says: open ranges run to the end, last-pos past the end is clipped, a suffix longer
// than the file means the whole file.

type Case = { size: number; header: string; start: number; end: number };

const singleRange = fc.integer({ min: 1, max: 200_000 }).chain((size) =>
  fc.oneof(
    fc
      .tuple(fc.integer({ min: 0, max: size - 1 }), fc.integer({ min: 0, max: size + 1000 }))
      .filter(([first, last]) => last >= first)
      .map(([first, last]): Case => ({
        size,
        header: `bytes=${first}-${last}`,
        start: first,
        end: Math.min(last, size - 1),
      })),
    fc
      .integer({ min: 0, max: size - 1 })
      .map((first): Case => ({ size, header: `bytes=${first}-`, start: first, end: size - 1 })),
    fc
      .integer({ min: 1, max: size + 1000 })
      .map((length): Case => ({ size, header: `bytes=-${length}`, start: Math.max(0, size - length), end: size - 1 })),
  ),
);

describe('single ranges (property)', () => {
  it('plan: 206, Content-Length = end - start + 1, Content-Range and bytes agree', () => {
    fc.assert(
      fc.property(singleRange, ({ size, header, start, end }) => {
        const plan = planDownload({
          method: 'GET',
          headers: { range: header },
          file: { id: 'p', name: 'p.bin', size, mtimeMs: 0 },
        });
        expect(plan.status).toBe(206);
        expect(plan.bytes).toEqual({ start, end });
        expect(plan.headers['Content-Length']).toBe(String(end - start + 1));
        expect(plan.headers['Content-Range']).toBe(`bytes ${start}-${end}/${size}`);
      }),
      { numRuns: 2000 },
    );
  });

  describe('over a real socket', () => {
    let dir: string;
    let server: http.Server;
    let origin: string;
    const content = crypto.randomBytes(200_000);

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'download-prop-'));
      // /<size>: the first <size> bytes of `content`, written once per size
      server = http.createServer((req, res) => {
        const size = Number(req.url!.slice(1));
        const filePath = path.join(dir, String(size));
        if (!fs.existsSync(filePath)) fs.writeFileSync(filePath, content.subarray(0, size));
        const plan = planDownload({
          method: 'GET',
          headers: req.headers,
          file: { id: 'p', name: 'p.bin', size, mtimeMs: 0 },
        });
        sendDownloadNode(res, plan, filePath);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('body length = Content-Length = end - start + 1, and the bytes are the right ones', async () => {
      await fc.assert(
        fc.asyncProperty(singleRange, async ({ size, header, start, end }) => {
          const response = await fetch(`${origin}/${size}`, { headers: { range: header } });
          const body = Buffer.from(await response.arrayBuffer());
          expect(response.status).toBe(206);
          expect(response.headers.get('content-length')).toBe(String(end - start + 1));
          expect(body.length).toBe(end - start + 1);
          expect(body.equals(content.subarray(start, end + 1))).toBe(true);
        }),
        { numRuns: 60 },
      );
    });
  });
});
