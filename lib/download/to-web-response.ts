import 'server-only';
import fs from 'node:fs';
import { AppError } from '../errors';
import type { ByteRange } from './parse-range';
import type { DownloadPlan } from './plan-download';
import { notFound } from './render-download-error';
import { errorToWebResponse } from './send-error';
import { READ_CHUNK_SIZE } from './send-download-node';

/**
 * The same download as a Web Response, for Next route handlers. Next 16 drops Content-Length
 * from route-handler responses (known and accepted: the production path is sendDownloadNode).
 * The file is opened first, so a file deleted since the plan still answers the ordinary 404.
 */
export async function toWebResponse(
  plan: DownloadPlan,
  /** The file, or a descriptor opened for the plan (lib/delivery resolve-download.ts); closed here. */
  file: string | number,
  { accept }: { accept?: string | null } = {},
): Promise<Response> {
  const { bytes } = plan;
  if (!bytes) {
    if (typeof file === 'number') fs.close(file, () => {});
    return new Response(null, { status: plan.status, headers: plan.headers });
  }
  if (typeof file === 'number') {
    return new Response(readFileRange(descriptorReader(file), bytes), { status: plan.status, headers: plan.headers });
  }

  let handle: RangeReader;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') return errorToWebResponse(notFound(), accept);
    return errorToWebResponse(new AppError('internal', 'The file could not be read. The error was logged.'), accept);
  }
  return new Response(readFileRange(handle, bytes), { status: plan.status, headers: plan.headers });
}

/**
 * A pull-based web stream of 1 MiB reads over an open file. Not `Readable.toWeb`: on Node 20
 * its adapter can throw an uncaught ERR_INVALID_STATE ("Controller is already closed") and
 * take the process down when the body is cancelled while backpressure resumes the stream
 * (nodejs/node#54205, #64529; fix in #62773, unreleased). Pulling reads only when the consumer
 * wants more gives backpressure for free; cancelling (client gone) closes the file at once.
 */
export function readFileRange(handle: RangeReader, { start, end }: ByteRange): ReadableStream<Uint8Array> {
  let position = start;
  let remaining = end - start + 1;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    handle.close().catch(() => {}); // waits for a read in flight; nothing useful to do on failure
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const length = Math.min(READ_CHUNK_SIZE, remaining);
      // Unpooled: a consumer may transfer the chunk's ArrayBuffer, which must not be shared.
      const buffer = Buffer.allocUnsafeSlow(length);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, length, position));
      } catch (error) {
        if (closed) return; // cancelled meanwhile: nobody is listening
        close();
        controller.error(error);
        return;
      }
      if (closed) return; // cancelled while reading
      if (bytesRead === 0) {
        // Shorter than planned: fail the body rather than end it early and look complete.
        close();
        controller.error(new Error(`The file ended ${remaining} bytes before the planned length.`));
        return;
      }
      position += bytesRead;
      remaining -= bytesRead;
      // A short read is copied so no uninitialised tail of the buffer travels along.
      controller.enqueue(bytesRead === length ? buffer : new Uint8Array(buffer.subarray(0, bytesRead)));
      if (remaining === 0) {
        close();
        controller.close();
      }
    },
    cancel() {
      close();
    },
  });
}

/** What readFileRange needs of an open file: a FileHandle, or `descriptorReader`. */
export type RangeReader = {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
};

/** A RangeReader over a plain file descriptor. */
function descriptorReader(fd: number): RangeReader {
  return {
    read: (buffer, offset, length, position) =>
      new Promise((resolve, reject) =>
        fs.read(fd, buffer, offset, length, position, (error, bytesRead) =>
          error ? reject(error) : resolve({ bytesRead }),
        ),
      ),
    close: () => new Promise((resolve) => fs.close(fd, () => resolve())),
  };
}
