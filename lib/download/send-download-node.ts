import 'server-only';
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import { finished, pipeline } from 'node:stream';
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
 * vanished since the plan (deleted in between), the client gets the ordinary 404. Bytes flow
 * through stream.pipeline with backpressure; when the client disconnects, pipeline destroys
 * the read stream, which closes the file descriptor at once (`.pipe` would leak it).
 */
export function sendDownloadNode(
  res: ServerResponse,
  plan: DownloadPlan,
  filePath: string,
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
    res.writeHead(plan.status, plan.headers);
    res.end();
    finished(res, (error) => report(!error, 0, error ?? undefined));
    return;
  }

  const expected = bytes.end - bytes.start + 1;
  const file = fs.createReadStream(filePath, { start: bytes.start, end: bytes.end, highWaterMark: READ_CHUNK_SIZE });

  // Until the file is open nothing is piped, so the client going away must be handled here.
  const onEarlyClose = () => {
    file.destroy();
    report(false, 0, new Error('The client closed the connection before the file was open.'));
  };
  const onOpenError = (error: NodeJS.ErrnoException) => {
    res.off('close', onEarlyClose);
    report(false, 0, error);
    if (res.destroyed) return;
    const accept = res.req?.headers.accept;
    if (error.code === 'ENOENT' || error.code === 'EISDIR') sendErrorNode(res, notFound(), accept);
    else sendErrorNode(res, new AppError('internal', 'The file could not be read. The error was logged.'), accept);
  };
  res.once('close', onEarlyClose);
  file.once('error', onOpenError);

  file.once('ready', () => {
    file.off('error', onOpenError);
    res.off('close', onEarlyClose);
    if (res.destroyed) {
      file.destroy();
      report(false, 0);
      return;
    }
    // A file shorter than planned (truncated in place) would leave the client waiting for the
    // promised Content-Length; cut the connection instead so it sees a failed download. This
    // listener runs before pipeline's own 'end' handler, which would end the response.
    file.once('end', () => {
      if (file.bytesRead !== expected) res.destroy(new Error(`file ended after ${file.bytesRead} of ${expected} bytes`));
    });
    try {
      res.writeHead(plan.status, plan.headers);
    } catch (error) {
      // An invalid header value must cost this request, not the process (we are in an event).
      file.destroy();
      report(false, 0, error as Error);
      sendErrorNode(res, new AppError('internal', 'The download could not be prepared. The error was logged.'), res.req?.headers.accept);
      return;
    }
    pipeline(file, res, (error) => {
      report(!error && file.bytesRead === expected, file.bytesRead, error ?? undefined);
    });
  });
}
