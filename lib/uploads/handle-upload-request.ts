// The route handler of /api/uploads[/<id>] for every method: the caller is authenticated like
// every /api/v1 request (admin session or API token; 401 otherwise) before tus sees the
// request, and tus's plain-text errors come back as our usual {"error":{"code","message"}}.
import 'server-only';
import { apiHandler } from '../api/handler';
import { uploadServer } from './upload-server';

export const handleUploadRequest = apiHandler<{ tus?: string[] }>(async ({ request, caller }) => {
  const { server, actors } = uploadServer();
  actors.set(request, caller.actor);
  const response = await server.handleWeb(request);
  return request.method === 'HEAD' ? response : withJsonError(response);
});

// tus's own error texts, in words an admin can act on.
const TUS_ERRORS: Record<number, { code: string; message?: string }> = {
  400: { code: 'bad_request' },
  403: { code: 'forbidden' },
  404: {
    code: 'not_found',
    message: 'This upload does not exist (it finished, was cancelled or expired). Start it again.',
  },
  409: {
    code: 'offset_conflict',
    message: 'The upload offset does not match what the server has. Ask for the offset (HEAD) and continue from there.',
  },
  410: { code: 'gone', message: 'This upload expired and was removed. Start it again.' },
  412: { code: 'precondition_failed', message: 'Send the Tus-Resumable: 1.0.0 header.' },
  413: { code: 'payload_too_large' },
  415: { code: 'unsupported_media_type', message: 'Send chunks as Content-Type: application/offset+octet-stream.' },
  423: { code: 'locked', message: 'The upload is busy with another request. Try again in a moment.' },
};

// tus answers 501 to extensions this server does not offer (Upload-Concat):
// that is the client asking for something unsupported, a 400, not a server failure.
const UNSUPPORTED_EXTENSION: { code: string; message: string } = {
  code: 'bad_request',
  message:
    'This server does not support that tus extension (Upload-Concat: parallel uploads). ' +
    'Upload the file as one upload; OPTIONS lists the supported extensions.',
};

async function withJsonError(response: Response): Promise<Response> {
  if (response.status < 400) return response;
  if (response.status === 501) {
    await response.body?.cancel();
    const body = JSON.stringify({ error: UNSUPPORTED_EXTENSION });
    return new Response(body, {
      status: 400,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Tus-Resumable': '1.0.0' },
    });
  }
  const text = await response.text();
  let body = text;
  if (!isErrorBody(text)) {
    const known = TUS_ERRORS[response.status];
    const message = known?.message ?? (text.trim() || `The upload failed (HTTP ${response.status}).`);
    body = JSON.stringify({ error: { code: known?.code ?? 'upload_failed', message } });
  }
  const headers = new Headers(response.headers);
  headers.set('Content-Type', 'application/json');
  headers.set('Content-Length', String(Buffer.byteLength(body)));
  headers.set('Cache-Control', 'no-store');
  return new Response(body, { status: response.status, headers });
}

function isErrorBody(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown } } | null;
    return typeof parsed?.error?.code === 'string';
  } catch {
    return false;
  }
}
