// Who may have which file: the access rules of PRODUCT.md's "Download URLs", shared by the front
// server (the production path) and Next's route handlers (thin adapters). Framework-free: it
// takes the request's facts and answers with what to send; the HTTP details (status, headers,
// ranges) come from lib/download.
import 'server-only';
import fs from 'node:fs';
import type { Actor } from '../audit';
import { readSession } from '../auth/session';
import { env } from '../env';
import { findDownloadableFileById, findDownloadableFileByName, type DownloadableFile } from './find-downloadable-file';
import { endLinkUseInFlight } from './link-uses-in-flight';
import { recordDownload } from './record-download';
import { AppError } from '../errors';
import {
  etagFor,
  isDownloadMethod,
  notFound,
  planDownload,
  resolveStoragePath,
  type DownloadPlan,
  type DownloadRequestHeaders,
  type ErrorAnswer,
} from '../download';
import { renderLandingPage } from '../download/render-landing-page';
import { LEGACY_FILE_GENERATION } from '../files/file-generation';
import {
  checkLinkUsable,
  claimLinkUseResume,
  consumeLinkUse,
  finishLinkUse,
  hashUseTag,
  isUseTag,
  linkDenialOf,
  linkFileDeleted,
  linkInvalid,
  newUseClaim,
  newUseTag,
  recordLinkDenied,
  verifyLinkSignature,
  type VerifiedLink,
} from '../links';

export type DownloadRequest = {
  method: string;
  /** The URL path as received (percent-encoded), e.g. `/Ab3_x9Zq` or `/by-name/report.pdf`. */
  pathname: string;
  searchParams: URLSearchParams;
  headers: DownloadRequestHeaders & {
    cookie?: string | null;
    accept?: string | null;
    'if-match'?: string | string[] | null;
  };
  clientIp: string;
  /** The clock (tests inject one); the current time when absent. */
  now?: Date;
};

/** A response under a use of a tracked link: what finishLinkUse records when it is over. */
export type LinkUse = {
  jti: string;
  tagHash: string;
  /** This response's claim on the use: only while it holds the use does it record what it sent. */
  claim: string;
  start: number;
  /** The last byte planned (-1 for none): what consumeLinkUse already stored as sent. */
  plannedEnd: number;
  counted: boolean;
  startedAt: number;
};

/** A counted response that sent all it planned within this long needs no second write. */
const QUICK_RESPONSE_MS = 1000;

export type DownloadAnswer =
  | {
      kind: 'file';
      plan: DownloadPlan;
      filePath: string;
      /**
       * The stored file, opened before the plan was made: the plan's length, ETag and
       * Last-Modified are this descriptor's (fstat), so a replace in between cannot put new
       * bytes under old headers. Set when the plan has bytes; whoever sends them closes it
       * (sendDownloadNode, toWebResponse), and whoever does not must call `releaseAnswer`.
       */
      fd: number | null;
      /** The row, with the size of the bytes opened. */
      file: DownloadableFile;
      actor: Actor;
      linkId: string | null;
      /** Set for the counted response of a tracked link and for its resumes. */
      use: LinkUse | null;
    }
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
  return (await fileAnswer(request, file, actor, null)) ?? { kind: 'error', error: notFound() };
}

/**
 * A share link. Whether this request may have the file is decided before its answer is planned,
 * for every method, conditional request and size (README "Share links"):
 * 1. the token: shape, algorithm, key, signature, expiry (no database read);
 * 2. the file the token was made for, by its id: gone, or another upload under the same name
 *    (another generation) -> 410 "deleted" (only ever said to a genuine token);
 * 3. the path must name that file (`/<id>` or `/by-name/<name>`), else 403 like a forged token,
 *    whether the path names an existing file or not: no existence oracle;
 * 4. a tracked link: HEAD, a 304 and a 416 only check that the link is usable (410 when used,
 *    revoked or expired); a browser gets the landing page; a resume of the last counted use
 *    (its per-use ETag, from after byte 0 and past what was sent) does not count; every other
 *    GET counts one use by one atomic update, empty files included. Each response of a use
 *    claims its range when it starts (the counting update, or the resume's own conditional
 *    update), so parallel resumes of one use never each get the rest of the file.
 * Nothing about the file (size, name, ETag) goes out before all of that passed.
 */
async function resolveLinkDownload(request: DownloadRequest, token: string): Promise<DownloadAnswer> {
  const actor: Actor = { user: 'anonymous', ip: request.clientIp };
  const now = request.now ?? new Date();
  let file: DownloadableFile | null = null;
  let link: VerifiedLink;
  try {
    link = await verifyLinkSignature(token, now);
    file = findDownloadableFileById(link.fileId);
    if (!file || !sameIncarnation(file, link)) throw linkFileDeleted(link.jti);
    if (!pathNames(request.pathname, file)) throw linkInvalid('wrong_file', link.jti);
  } catch (error) {
    return deny(error, file?.id ?? pathFileId(request.pathname), actor);
  }

  const linkActor: Actor = { user: link.jti ? `link:${link.jti}` : 'link', ip: request.clientIp };
  if (!link.jti) {
    // untracked: nothing to count
    return (await fileAnswer(request, file, linkActor, null)) ?? { kind: 'error', error: notFound() };
  }

  const jti = link.jti;
  let answer: FileAnswer | null = null;
  try {
    if (request.method === 'HEAD') {
      await checkLinkUsable({ jti, now });
      return (await fileAnswer(request, file, linkActor, jti)) ?? { kind: 'error', error: notFound() };
    }
    // A resume first: a Range request with the per-use ETag is never a browser opening the link.
    const resumed = await resumeAnswer(request, file, linkActor, jti, now);
    if (resumed) return resumed;
    const wantsPage = request.headers.accept?.includes('text/html') && request.searchParams.get('dl') !== '1';
    if (wantsPage) {
      const usage = await checkLinkUsable({ jti, now });
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

    answer = await fileAnswer(request, file, linkActor, jti);
    if (!answer) {
      // Its bytes are gone (deleted this moment): a 404, and no use is counted for it.
      await checkLinkUsable({ jti, now });
      return { kind: 'error', error: notFound() };
    }
    if (answer.plan.status === 304 || answer.plan.status === 416) {
      // No bytes, but validators: only for a link that could still download.
      await checkLinkUsable({ jti, now });
      return answer;
    }
    // A new use (also for an empty file, whose answer has no byte range).
    const tag = newUseTag();
    const tagHash = hashUseTag(tag, answer.plan.headers.ETag);
    const claim = newUseClaim();
    await consumeLinkUse({
      jti,
      ip: request.clientIp,
      useTagHash: tagHash,
      plannedEnd: answer.plan.bytes?.end ?? -1,
      useClaim: claim,
      now,
    });
    answer.plan.headers.ETag = tag;
    answer.plan.headers['X-Accel-Buffering'] = 'no';
    const use: LinkUse = {
      jti,
      tagHash,
      claim,
      start: answer.plan.bytes?.start ?? 0,
      plannedEnd: answer.plan.bytes?.end ?? -1,
      counted: true,
      startedAt: now.getTime(),
    };
    return { ...answer, use };
  } catch (error) {
    if (answer) releaseAnswer(answer);
    return deny(error, file.id, actor);
  }
}

/** A token made before generations existed (no `g`) is good only for a file the migration saw. */
function sameIncarnation(file: DownloadableFile, link: VerifiedLink): boolean {
  return (link.generation ?? LEGACY_FILE_GENERATION) === file.generation;
}

/** Whether the request path names this file (by id, or by its name). */
function pathNames(pathname: string, file: DownloadableFile): boolean {
  if (pathname.startsWith(BY_NAME)) {
    const name = decode(pathname.slice(BY_NAME.length));
    return name !== null && findDownloadableFileByName(name)?.id === file.id;
  }
  return decodedId(pathname) === file.id;
}

/** The file id the path names, for link_denied (a name is not resolved: that would be a read per forged request). */
function pathFileId(pathname: string): string | null {
  return pathname.startsWith(BY_NAME) ? null : decodedId(pathname);
}

/**
 * The resume of the link's last counted use, when the request is one: GET with one range,
 * the per-use ETag in If-Range or If-Match, and claimLinkUseResume's rules, checked and claimed
 * in one conditional update. Null otherwise (the caller then treats it as a new use).
 */
async function resumeAnswer(
  request: DownloadRequest,
  file: DownloadableFile,
  actor: Actor,
  jti: string,
  now: Date,
): Promise<Extract<DownloadAnswer, { kind: 'file' }> | null> {
  const range = single(request.headers.range);
  const tag = single(request.headers['if-range']) ?? single(request.headers['if-match']);
  if (request.method !== 'GET' || !range || !isUseTag(tag)) return null;
  const opened = await openStoredFile(file.id);
  if (!opened) return null;
  try {
    const plan = planDownload({
      method: 'GET',
      headers: { range, 'if-range': tag },
      file: { id: file.id, name: file.name, size: opened.size, mtimeMs: opened.mtimeMs },
      etag: tag,
    });
    if (plan.status !== 206 || !plan.bytes) return release(opened.fd);
    // The version of the bytes opened: a use started on other bytes (a replace) is no resume.
    const fileVersion = etagFor(file.id, opened.size, opened.mtimeMs);
    const tagHash = hashUseTag(tag, fileVersion);
    // An earlier response of this use still going out here is over now, and recorded: the claim
    // is judged on what it sent.
    await endLinkUseInFlight(tagHash);
    const claim = await claimLinkUseResume({
      jti,
      tag,
      fileVersion,
      start: plan.bytes.start,
      end: plan.bytes.end,
      size: opened.size,
      now,
    });
    if (claim === null) return release(opened.fd);
    plan.headers['X-Accel-Buffering'] = 'no';
    const use: LinkUse = {
      jti,
      tagHash,
      claim,
      start: plan.bytes.start,
      plannedEnd: plan.bytes.end,
      counted: false,
      startedAt: now.getTime(),
    };
    return {
      kind: 'file',
      plan,
      filePath: opened.path,
      fd: opened.fd,
      file: { ...file, size: opened.size },
      actor,
      linkId: jti,
      use,
    };
  } catch (error) {
    release(opened.fd);
    throw error;
  }
}

type FileAnswer = Extract<DownloadAnswer, { kind: 'file' }>;

/**
 * The answer for a file the request may have, planned from the opened file (null when its
 * bytes are missing: the caller answers 404). A plan without bytes keeps no descriptor.
 */
async function fileAnswer(
  request: DownloadRequest,
  file: DownloadableFile,
  actor: Actor,
  linkId: string | null,
): Promise<FileAnswer | null> {
  const opened = await openStoredFile(file.id);
  if (!opened) return null;
  const plan = planDownload({
    method: request.method as 'GET' | 'HEAD',
    headers: request.headers,
    file: { id: file.id, name: file.name, size: opened.size, mtimeMs: opened.mtimeMs },
  });
  const fd = plan.bytes ? opened.fd : release(opened.fd);
  return {
    kind: 'file',
    plan,
    filePath: opened.path,
    fd,
    file: { ...file, size: opened.size },
    actor,
    linkId,
    use: null,
  };
}

type OpenedFile = { path: string; fd: number; size: number; mtimeMs: number };

/**
 * Opens a stored file and reads its size and modification time from the descriptor. A replace
 * renames new bytes over the name; this descriptor keeps the version it opened (its inode lives
 * on until it is closed), so everything planned from it describes exactly the bytes sent.
 */
async function openStoredFile(id: string): Promise<OpenedFile | null> {
  const filePath = resolveStoragePath(env().storageDir, id);
  let fd: number;
  try {
    fd = await new Promise<number>((resolve, reject) =>
      fs.open(filePath, 'r', (error, opened) => (error ? reject(error) : resolve(opened))),
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return null;
    throw error;
  }
  try {
    const stat = await new Promise<fs.Stats>((resolve, reject) =>
      fs.fstat(fd, (error, stats) => (error ? reject(error) : resolve(stats))),
    );
    if (!stat.isFile()) return release(fd);
    return { path: filePath, fd, size: stat.size, mtimeMs: stat.mtimeMs };
  } catch (error) {
    release(fd);
    throw error;
  }
}

function release(fd: number): null {
  fs.close(fd, () => {});
  return null;
}

/** Closes the descriptor of an answer that will not be sent. */
export function releaseAnswer(answer: DownloadAnswer): void {
  if (answer.kind === 'file' && answer.fd !== null) {
    release(answer.fd);
    answer.fd = null;
  }
}

/**
 * Called when a response of a tracked link's use is over (completed or cut off): records the
 * highest offset it sent, which bounds where a resume may start, and when (only while the
 * response still holds the use; a later claim already counted its planned end as sent).
 */
export function recordLinkUseSent(
  answer: Extract<DownloadAnswer, { kind: 'file' }>,
  bytesSent: number,
  now: Date = new Date(),
): Promise<void> | undefined {
  const { use } = answer;
  if (!use) return undefined;
  const highest = use.start + bytesSent - 1;
  // The counted use already stored its planned end as sent, at its start: a response that sent
  // all of it quickly changes nothing worth a write (the window then starts up to a second
  // early; a later claim found the same planned end). The benchmark's small downloads of a
  // tracked link take this path.
  if (use.counted && highest === use.plannedEnd && now.getTime() - use.startedAt < QUICK_RESPONSE_MS) return undefined;
  return finishLinkUse({
    jti: use.jti,
    tagHash: use.tagHash,
    claim: use.claim,
    highest,
    now,
  }).catch((error) => console.error('[download] recording a link use failed', error));
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
