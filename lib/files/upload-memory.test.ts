// Memory stays flat for a big upload: 512 MiB go through the multipart parser and storeFile
// while the process's memory is sampled. Holding the file would cost 512 MiB or more.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveStoragePath } from '../download/storage-path';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { receiveMultipartUpload } from './parse-multipart';
import { sha256File } from './test-helpers';

const MiB = 1024 * 1024;
const SIZE = 512 * MiB;

let temp: TempEnv;
beforeAll(async () => {
  temp = await createTempEnv({ MAX_UPLOAD_SIZE: '1GiB' });
});
afterAll(async () => {
  await temp.cleanup();
});

/** A multipart body generated on the fly, as a slow-ish network would deliver it. */
function generatedMultipart(boundary: string, hash: crypto.Hash): Readable {
  const chunk = crypto.randomBytes(64 * 1024);
  let sent = 0;
  let stage: 'head' | 'body' | 'tail' | 'done' = 'head';
  return new Readable({
    read() {
      switch (stage) {
        case 'head':
          stage = 'body';
          this.push(
            `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
          );
          return;
        case 'body': {
          const part = chunk.subarray(0, Math.min(chunk.length, SIZE - sent));
          sent += part.length;
          hash.update(part);
          if (sent >= SIZE) stage = 'tail';
          // A copy, as a socket would hand out fresh buffers.
          this.push(Buffer.from(part));
          return;
        }
        case 'tail':
          stage = 'done';
          this.push(`\r\n--${boundary}--\r\n`);
          return;
        case 'done':
          this.push(null);
      }
    },
  });
}

it('stores a 512 MiB multipart upload with flat memory', async () => {
  const baseline = process.memoryUsage().rss;
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(process.memoryUsage().rss - baseline), 20);
  const boundary = 'x-boundary-1234567890';
  const hash = crypto.createHash('sha256');
  const start = Date.now();
  try {
    const [file] = await receiveMultipartUpload({
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: generatedMultipart(boundary, hash),
      actor: { user: 'alice', ip: null },
    });
    clearInterval(sampler);
    expect(file.size).toBe(BigInt(SIZE));
    expect(await sha256File(resolveStoragePath(temp.storageDir, file.id))).toBe(hash.digest('hex'));

    const seconds = (Date.now() - start) / 1000;
    const max = (values: number[]) => Math.max(0, ...values);
    const half = Math.floor(rss.length / 2);
    const [firstHalf, secondHalf] = [max(rss.slice(0, half)), max(rss.slice(half))];
    console.log(
      `512 MiB multipart upload: ${seconds.toFixed(1)} s (${(SIZE / MiB / seconds).toFixed(0)} MiB/s); ` +
        `RSS growth: peak in the first half ${(firstHalf / MiB).toFixed(1)} MiB, in the second half ${(secondHalf / MiB).toFixed(1)} MiB`,
    );
    // The allocator keeps some buffers around, so RSS rises once; it must not keep rising with
    // the bytes received, and must stay far below the file's size.
    expect(secondHalf - firstHalf).toBeLessThan(32 * MiB);
    expect(secondHalf).toBeLessThan(SIZE / 3);
  } finally {
    clearInterval(sampler);
  }
}, 300_000);
