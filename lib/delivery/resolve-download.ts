// Who may have which file: the access rules of PRODUCT.md's "Download URLs", shared by the front
// server (the production path) and Next's route handlers (thin adapters). Framework-free: it
// takes the request's facts and answers with what to send; the HTTP details (status, headers,
// ranges) come from lib/download.
import 'server-only';
import type { Actor } from '../audit';
import { readSession } from '../auth/session';
import { env } from '../env';
import { findDownloadableFileById, findDownloadableFileByName, type DownloadableFile } from './find-downloadable-file';
import { recordDownload } from './record-download';
import { AppError } from '../errors';
import {
  isDownloadMethod,
  notFound,
  planDownload,
  resolveStoragePath,
  type DownloadPlan,
  type DownloadRequestHeaders,
  type ErrorAnswer,
} from '../download';
import { renderLandingPage } from '../download/render-landing-page';
import {
  canResumeLinkDownload,
  checkLinkUsable,
  consumeLinkUse,
  linkDenialOf,
  recordLinkDenied,
  verifyLinkToken,
  type VerifiedLink,
} from '../links';

export type DownloadRequest = {
  method: string;
  /** The URL path as received (percent-encoded), e.g. `/Ab3_x9Zq` or `/by-name/report.pdf`. */
  pathname: string;
  searchParams: URLSearchParams;
  headers: DownloadRequestHeaders & { cookie?: string | null; accept?: string | null };
  clientIp: string;
};

export type DownloadAnswer =
  | { kind: 'file'; plan: DownloadPlan; filePath: string; file: DownloadableFile; actor: Actor; linkId: string | null }
  | { kind: 'page'; page: ErrorAnswer }
  | { kind: 'error'; error: AppError };

const BY_NAME = '/by-name/';

/** Finds the file the path names and decides whether this request may have it. */
export async function resolveDownload(request: DownloadRequest): Promise<DownloadAnswer> {
  if (!isDownloadMethod(request.method)) {
    return { kind: 'error', error: new AppError('bad_request', 'Downloads answer GET and HEAD only.') };
  }
  const token = request.searchParams.get('t');
  if (token !== null) return resolveLinkDownload(request, token);

  const file = findFileForPath(request.pathname);
  if (!file) return { kind: 'error', error: notFound() };
  let actor: Actor = { user: 'anonymous', ip: request.clientIp };
  if (file.visibility !== 'public') {
    const session = await readSession(request.headers.cookie);
    // Identical 404 for a private file without credentials: no existence oracle.
    if (!session) return { kind: 'error', error: notFound() };
    actor = { user: session.username, ip: request.clientIp };
  }
  return fileAnswer(request, file, actor, null);
}

/**
 * A share link: the signature and expiry are checked before anything else (no database read
 * for an untracked link; an id path is checked before the file is even looked up); a tracked
 * link's use is consumed by one atomic update just before the bytes go out. When a use counts
 * is written in README.md ("When a use counts").
 */
async function resolveLinkDownload(request: DownloadRequest, token: string): Promise<DownloadAnswer> {
  const actor: Actor = { user: 'anonymous', ip: request.clientIp };
  const byName = request.pathname.startsWith(BY_NAME);
  let file: DownloadableFile | null = null;
  let link: VerifiedLink;
  try {
    if (byName) {
      file = findFileForPath(request.pathname);
      if (!file) return { kind: 'error', error: notFound() };
      link = await verifyLinkToken(token, file.id);
    } else {
      const id = decodedId(request.pathname);
      if (id === null) return { kind: 'error', error: notFound() };
      link = await verifyLinkToken(token, id);
      file = findDownloadableFileById(id);
      if (!file) return { kind: 'error', error: notFound() };
    }
  } catch (error) {
    return deny(error, file?.id ?? decodedId(request.pathname), actor);
  }

  const linkActor: Actor = { user: link.jti ? `link:${link.jti}` : 'link', ip: request.clientIp };
  const answer = fileAnswer(request, file, linkActor, link.jti);
  if (!link.jti || answer.plan.bytes === null) return answer; // untracked, or HEAD / 304 / 416: nothing to count

  try {
    if (request.method === 'HEAD') {
      await checkLinkUsable({ jti: link.jti });
      return answer;
    }
    const wantsPage = request.headers.accept?.includes('text/html') && request.searchParams.get('dl') !== '1';
    if (wantsPage) {
      const usage = await checkLinkUsable({ jti: link.jti });
      if (usage.maxDownloads !== null) {
        const page = renderLandingPage({
          name: file.name,
          size: Number(file.size),
          token,
          usesLeft: usage.maxDownloads - usage.downloads,
          expiresAt: usage.expiresAt,
        });
        return { kind: 'page', page };
      }
    }
    const ifRangeMatches =
      answer.plan.status === 206 && single(request.headers['if-range']) === answer.plan.headers.ETag;
    if (await canResumeLinkDownload({ jti: link.jti, ip: request.clientIp, ifRangeMatches })) return answer;
    await consumeLinkUse({ jti: link.jti, ip: request.clientIp });
    return answer;
  } catch (error) {
    return deny(error, file.id, actor);
  }
}

function fileAnswer(request: DownloadRequest, file: DownloadableFile, actor: Actor, linkId: string | null) {
  const plan = planDownload({
    method: request.method as 'GET' | 'HEAD',
    headers: request.headers,
    file: { id: file.id, name: file.name, size: file.size, mtimeMs: file.uploadedAt.getTime() },
  });
  const filePath = resolveStoragePath(env().storageDir, file.id);
  return { kind: 'file' as const, plan, filePath, file, actor, linkId };
}

/** A refused link: recorded as link_denied with its reason (never the token), then answered. */
async function deny(error: unknown, fileId: string | null, actor: Actor): Promise<DownloadAnswer> {
  const denial = linkDenialOf(error);
  if (!denial) throw error;
  await recordLinkDenied({ ...denial, fileId: fileId ?? '', actor });
  return { kind: 'error', error: error as AppError };
}

/**
 * Called when the bytes went out. A download counts (and is audited) once per completed GET
 * that delivered the whole file or the part that reaches its end (so a resumed download
 * counts once, and a video player's many range requests do not each count).
 */
export function recordCompletedDownload(answer: Extract<DownloadAnswer, { kind: 'file' }>): void {
  const { plan, file, actor, linkId } = answer;
  if (!plan.bytes || plan.bytes.end !== file.size - 1) return;
  recordDownload({
    fileId: file.id,
    name: file.name,
    actor,
    linkId,
    bytes: plan.bytes.end - plan.bytes.start + 1,
    range: plan.status === 206,
  });
}

function findFileForPath(pathname: string): DownloadableFile | null {
  if (pathname.startsWith(BY_NAME)) {
    const name = decode(pathname.slice(BY_NAME.length));
    return name === null ? null : findDownloadableFileByName(name);
  }
  const id = decodedId(pathname);
  return id === null ? null : findDownloadableFileById(id);
}

/** The file id a `/<id>` path names. Ids imported from the Flask server may contain '/'
 * (`/Ez5tN6/Y` and `/Ez5tN6%2FY` both work there). Null for malformed percent-encoding. */
function decodedId(pathname: string): string | null {
  return decode(pathname.slice(1));
}

function decode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

function single(value: string | string[] | null | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : (value ?? undefined);
}

/** Whether the front server should answer this path as a download (else it goes to Next). */
export function isDownloadPath(pathname: string, isReserved: (segment: string) => boolean): boolean {
  if (pathname === '/' || pathname.length < 2) return false;
  if (pathname.startsWith(BY_NAME)) return pathname.length > BY_NAME.length;
  const end = pathname.indexOf('/', 1);
  const first = end === -1 ? pathname.slice(1) : pathname.slice(1, end);
  return !isReserved(first);
}
