import 'server-only';
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import { finished } from 'node:stream';
import { AppError } from '../errors';
import type { DownloadPlan } from './plan-download';
import { notFound } from './render-download-error';
import { sendErrorNode } from './send-error';

/** 1 MiB reads: measured twice the throughput of the 64 KiB default (issue 3). */
export const READ_CHUNK_SIZE = 1024 * 1024;

export type SendDownloadOptions = {
  /**
   * Called once when the answer is over: `completed` is true only when every planned byte (or
   * the body-less answer) went out. `bytesSent` counts bytes read from disk and handed to the
   * socket; after an abort it may include bytes the client never received. `error` says why an
   * answer did not complete, when there was one (a client disconnect is a premature close).
   */
  onFinish?: (completed: boolean, bytesSent: number, error?: Error) => void;
};

/**
 * Sends a planned download on a raw Node response, so Content-Length reaches the client
 * (Next's route handlers drop it). The file is opened before the status line goes out: if it
 * vanished since the plan (deleted in between), the client gets the ordinary 404. The bytes go
 * out through `sendFileRange`; when the client disconnects, the file descriptor is closed at once.
 */
export function sendDownloadNode(
  res: ServerResponse,
  plan: DownloadPlan,
  /** The file, or a descriptor opened for the plan (lib/delivery resolve-download.ts); closed here. */
  file: string | number,
  { onFinish }: SendDownloadOptions = {},
): void {
  let reported = false;
  const report = (completed: boolean, bytesSent: number, error?: Error) => {
    if (reported) return;
    reported = true;
    onFinish?.(completed, bytesSent, error);
  };

  const { bytes } = plan;
  if (!bytes) {
    if (typeof file === 'number') fs.close(file, ignore);
    res.writeHead(plan.status, plan.headers);
    res.end();
    finished(res, (error) => report(!error, 0, error ?? undefined));
    return;
  }

  // Until the file is open nothing is sent, so the client going away must be noticed here.
  let gone = false;
  const onEarlyClose = () => {
    gone = true;
    report(false, 0, new Error('The client closed the connection before the file was open.'));
  };
  res.once('close', onEarlyClose);

  const opened = (openError: NodeJS.ErrnoException | null, fd: number) => {
    res.off('close', onEarlyClose);
    if (openError) {
      report(false, 0, openError);
      if (gone || res.destroyed) return;
      const accept = res.req?.headers.accept;
      if (openError.code === 'ENOENT' || openError.code === 'EISDIR') sendErrorNode(res, notFound(), accept);
      else sendErrorNode(res, new AppError('internal', 'The file could not be read. The error was logged.'), accept);
      return;
    }
    if (gone || res.destroyed) {
      fs.close(fd, ignore);
      report(false, 0);
      return;
    }
    try {
      res.writeHead(plan.status, plan.headers);
    } catch (error) {
      // An invalid header value must cost this request, not the process (we are in a callback).
      fs.close(fd, ignore);
      report(false, 0, error as Error);
      sendErrorNode(
        res,
        new AppError('internal', 'The download could not be prepared. The error was logged.'),
        res.req?.headers.accept,
      );
      return;
    }
    sendFileRange(res, fd, bytes.start, bytes.end - bytes.start + 1, (error, bytesSent) =>
      report(!error, bytesSent, error),
    );
  };
  if (typeof file === 'number') opened(null, file);
  else fs.open(file, 'r', opened);
}

/**
 * Writes `length` bytes of `fd` from `start` to the response and ends it, then calls `done`
 * once: without an error only when every byte was handed to the socket. Closes `fd` when the
 * response is over (after a read still under way, so the descriptor is never reused under it).
 *
 * Reads go into at most two buffers of up to `READ_CHUNK_SIZE`, reused for the whole file:
 * one is read while the other is being written, and a buffer is read into again only after
 * the socket took all of it (its write callback). That is backpressure without a stream, and a
 * 1 GiB download allocates 2 MiB instead of 1,024 buffers (measured: a read stream's fresh
 * buffer per chunk cost about 35 full garbage collections per GiB and made the speed erratic).
 *
 * A file shorter than planned (truncated in place) would leave the client waiting for the
 * promised Content-Length; the connection is cut instead so it sees a failed download.
 */
function sendFileRange(
  res: ServerResponse,
  fd: number,
  start: number,
  length: number,
  done: (error: Error | undefined, bytesSent: number) => void,
): void {
  const size = Math.min(READ_CHUNK_SIZE, length);
  const free: Buffer[] = [];
  let buffers = 0;
  let position = start;
  let remaining = length;
  let reading = false;
  let sent = 0;
  let failure: Error | undefined;
  let over = false;

  // The response is over: all of it went out ('finish'), or the client left / we cut it.
  finished(res, (error) => {
    over = true;
    if (!reading) fs.close(fd, ignore);
    done(failure ?? error ?? undefined, sent);
  });
  // Plans never ask for an empty range (an empty file has no byte range), but an empty one must
  // still end the response rather than leave it open.
  if (length <= 0) {
    res.end();
    return;
  }

  const fail = (error: Error) => {
    failure ??= error;
    res.destroy(error);
  };

  const pump = () => {
    if (reading || remaining === 0 || res.destroyed) return;
    let buffer = free.pop();
    if (!buffer) {
      if (buffers === 2) return; // both are on their way to the socket
      buffer = Buffer.allocUnsafeSlow(size);
      buffers++;
    }
    const target = buffer;
    reading = true;
    fs.read(fd, target, 0, Math.min(size, remaining), position, (error, bytesRead) => {
      reading = false;
      if (over) return void fs.close(fd, ignore);
      if (res.destroyed) return;
      if (error) return fail(error);
      if (bytesRead === 0) return fail(new Error(`file ended after ${sent} of ${length} bytes`));
      position += bytesRead;
      remaining -= bytesRead;
      sent += bytesRead;
      const chunk = bytesRead === target.length ? target : target.subarray(0, bytesRead);
      if (remaining === 0) {
        res.end(chunk);
        return;
      }
      res.write(chunk, (writeError) => {
        if (writeError) return;
        free.push(target);
        pump();
      });
      pump();
    });
  };
  pump();
}

function ignore(): void {}
