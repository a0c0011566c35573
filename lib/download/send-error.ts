import 'server-only';
import type { ServerResponse } from 'node:http';
import type { AppError } from '../errors';
import { renderDownloadError } from './render-download-error';

/**
 * Answers an error on a raw Node response. When the headers are already out (the error came
 * mid-stream) the only honest signal left is to cut the connection, so the client sees an
 * incomplete download instead of a "complete" file with an error page appended.
 */
export function sendErrorNode(res: ServerResponse, error: AppError, accept: string | null | undefined): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { status, headers, body } = renderDownloadError(error, accept);
  res.writeHead(status, headers);
  res.end(body); // Node drops the body itself for HEAD
}

/** The same answer as a Web Response, for Next route handlers. */
export function errorToWebResponse(error: AppError, accept: string | null | undefined): Response {
  const { status, headers, body } = renderDownloadError(error, accept);
  return new Response(body, { status, headers });
}
