// Who may have which file: the access rules of PRODUCT.md's "Download URLs", shared by the front
// server (the production path) and Next's route handlers (thin adapters). Framework-free: it
// takes the request's facts and answers with what to send; the HTTP details (status, headers,
// ranges) come from lib/download.
import 'server-only';
import { recordAudit, type Actor } from '../audit';
import { readSession } from '../auth/session';
import { db } from '../db';
import { env } from '../env';
import { AppError } from '../errors';
import { getFile, getFileByName, type FileRecord } from '../files';
import {
  isDownloadMethod,
  notFound,
  planDownload,
  resolveStoragePath,
  type DownloadPlan,
  type DownloadRequestHeaders,
} from '../download';

export type DownloadRequest = {
  method: string;
  /** The URL path as received (percent-encoded), e.g. `/Ab3_x9Zq` or `/by-name/report.pdf`. */
  pathname: string;
  searchParams: URLSearchParams;
  headers: DownloadRequestHeaders & { cookie?: string | null; accept?: string | null };
  clientIp: string;
};

export type DownloadAnswer =
  | { kind: 'file'; plan: DownloadPlan; filePath: string; file: FileRecord; actor: Actor }
  | { kind: 'error'; error: AppError };

const BY_NAME = '/by-name/';

/** Finds the file the path names and decides whether this request may have it. */
export async function resolveDownload(request: DownloadRequest): Promise<DownloadAnswer> {
  if (!isDownloadMethod(request.method)) {
    return { kind: 'error', error: new AppError('bad_request', 'Downloads answer GET and HEAD only.') };
  }
  const file = await findFileForPath(request.pathname);
  if (!file) return { kind: 'error', error: notFound() };

  let actor: Actor = { user: 'anonymous', ip: request.clientIp };
  if (file.visibility !== 'public') {
    const session = await readSession(request.headers.cookie);
    // Identical 404 for a private file without credentials: no existence oracle.
    if (!session) return { kind: 'error', error: notFound() };
    actor = { user: session.username, ip: request.clientIp };
  }

  const plan = planDownload({
    method: request.method,
    headers: request.headers,
    file: { id: file.id, name: file.name, size: file.size, mtimeMs: file.uploadedAt.getTime() },
  });
  return { kind: 'file', plan, filePath: resolveStoragePath(env().storageDir, file.id), file, actor };
}

/**
 * Called when the bytes went out. A download counts (and is audited) once per completed GET
 * that delivered the whole file or the part that reaches its end (so a resumed download
 * counts once, and a video player's many range requests do not each count).
 */
export async function recordCompletedDownload(answer: Extract<DownloadAnswer, { kind: 'file' }>): Promise<void> {
  const { plan, file, actor } = answer;
  if (!plan.bytes) return;
  const size = Number(file.size);
  if (plan.bytes.end !== size - 1) return;
  await db().file.update({ where: { id: file.id }, data: { downloads: { increment: 1 } } }).catch(() => undefined);
  await recordAudit({
    action: 'download',
    actor,
    fileId: file.id,
    info: { file_id: file.id, name: file.name, bytes: plan.bytes.end - plan.bytes.start + 1, range: plan.status === 206 },
  });
}

async function findFileForPath(pathname: string): Promise<FileRecord | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null; // malformed percent-encoding names no file
  }
  if (pathname.startsWith(BY_NAME)) return getFileByName(decoded.slice(BY_NAME.length));
  // Ids imported from the Flask server may contain '/' (`/Ez5tN6/Y` and `/Ez5tN6%2FY` both work there).
  return getFile(decoded.slice(1));
}

/** Whether the front server should answer this path as a download (else it goes to Next). */
export function isDownloadPath(pathname: string, isReserved: (segment: string) => boolean): boolean {
  if (pathname === '/' || pathname.length < 2) return false;
  if (pathname.startsWith(BY_NAME)) return pathname.length > BY_NAME.length;
  const end = pathname.indexOf('/', 1);
  const first = end === -1 ? pathname.slice(1) : pathname.slice(1, end);
  return !isReserved(first);
}
