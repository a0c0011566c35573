// The front server's download route: the shared access rules and HTTP core on a raw Node
// response, so every answer keeps Content-Length.
import type http from 'node:http';
import { sendDownloadNode, sendErrorNode } from '../download';
import { trackLinkUseInFlight } from '../delivery/link-uses-in-flight';
import { recordCompletedDownload, recordLinkUseSent, resolveDownload } from '../delivery/resolve-download';
import { toAppError } from '../errors';

/** A share-link download that made no progress this long is given up (README "When a use counts"). */
export const LINK_USE_STALL_MS = 30_000;

export type DownloadTarget = { pathname: string; searchParams: URLSearchParams };

export async function serveDownload(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: DownloadTarget,
  clientIp: string,
) {
  const accept = req.headers.accept;
  try {
    const answer = await resolveDownload({
      method: req.method ?? 'GET',
      pathname: url.pathname,
      searchParams: url.searchParams,
      headers: req.headers,
      clientIp,
    });
    if (answer.kind === 'error') return sendErrorNode(res, answer.error, accept);
    if (answer.kind === 'page') {
      res.writeHead(answer.page.status, answer.page.headers);
      res.end(req.method === 'HEAD' ? undefined : answer.page.body);
      return;
    }
    let useRecorded: (() => void) | null = null;
    if (answer.use) {
      // A response under a link's use must end when its client is gone, also silently (a phone
      // that changed networks): what it really sent is recorded only then, and until then a
      // resume may not start below its planned end. A resume of the same use reaching this
      // process ends it at once (link-uses-in-flight.ts).
      res.setTimeout(LINK_USE_STALL_MS, () => {
        if (!res.writableFinished) res.destroy();
      });
      useRecorded = trackLinkUseInFlight(answer.use.tagHash, () => {
        if (!res.writableFinished) res.destroy();
      });
    }
    sendDownloadNode(res, answer.plan, answer.fd ?? answer.filePath, {
      onFinish: (completed, bytesSent) => {
        if (completed) recordCompletedDownload(answer);
        const recorded = recordLinkUseSent(answer, bytesSent);
        if (useRecorded) void Promise.resolve(recorded).finally(useRecorded);
      },
    });
  } catch (error) {
    const appError = toAppError(error);
    if (appError.code === 'internal') console.error('[download]', error);
    if (!res.headersSent) sendErrorNode(res, appError, accept);
    else res.destroy();
  }
}
