// The download route for Next's route handlers: a thin adapter over the same core. In
// production the front server answers these paths itself (with Content-Length, which Next 16
// drops from route-handler responses); this serves `next dev` and a Next-only deployment.
import 'server-only';
import { errorToWebResponse, toWebResponse } from '../download';
import { toAppError } from '../errors';
import { clientIpFromHeaders } from '../http/request-ip';
import { recordCompletedDownload, resolveDownload } from './resolve-download';

export async function handleDownloadRequest(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const accept = request.headers.get('accept');
  const header = (name: string) => request.headers.get(name);
  try {
    const answer = await resolveDownload({
      method: request.method,
      pathname: url.pathname,
      searchParams: url.searchParams,
      headers: {
        range: header('range'),
        'if-range': header('if-range'),
        'if-none-match': header('if-none-match'),
        'if-modified-since': header('if-modified-since'),
        'if-match': header('if-match'),
        cookie: header('cookie'),
        accept,
      },
      clientIp: clientIpFromHeaders(request.headers),
    });
    if (answer.kind === 'error') return errorToWebResponse(answer.error, accept);
    if (answer.kind === 'page')
      return new Response(answer.page.body, { status: answer.page.status, headers: answer.page.headers });
    // The Web stream gives no completion signal here; count when the answer is handed over. A
    // link use's "sent" offset stays at the planned end (what consumeLinkUse wrote), so a
    // resume served here can start only near the end: resuming is the front server's.
    recordCompletedDownload(answer);
    return await toWebResponse(answer.plan, answer.fd ?? answer.filePath, { accept });
  } catch (error) {
    return errorToWebResponse(toAppError(error), accept);
  }
}
