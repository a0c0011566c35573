// The front server's download route: the shared access rules and HTTP core on a raw Node
// response, so every answer keeps Content-Length.
import type http from 'node:http';
import { sendDownloadNode, sendErrorNode } from '../download';
import { recordCompletedDownload, resolveDownload } from '../delivery/resolve-download';
import { toAppError } from '../errors';

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
    sendDownloadNode(res, answer.plan, answer.filePath, {
      onFinish: (completed) => {
        if (completed) recordCompletedDownload(answer);
      },
    });
  } catch (error) {
    const appError = toAppError(error);
    if (appError.code === 'internal') console.error('[download]', error);
    if (!res.headersSent) sendErrorNode(res, appError, accept);
    else res.destroy();
  }
}
