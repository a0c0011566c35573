// `link_denied` entries: a security record of who probes with forged, expired or used links,
// capped so a flood cannot fill the log (20,000 forged requests in 30 s used to write 20,000
// rows). Per client IP and reason, the first LINK_DENIED_PER_WINDOW denials of a window are
// written one by one; the rest of that window are counted and written as one entry
// (`aggregated: true, count: N`) when the window ends. Rows go through the non-blocking hot
// writer in short batches, like download records, so a locked database never stalls a request.
// The window lives in this process's memory; a restart starts a fresh one (at most one more
// window's worth of rows), and shutdown flushes what is pending.
import 'server-only';
import { formatInfo, type Actor } from '../audit';
import { batchedWrites } from '../db/batched-writes';
import { prepared } from '../db/hot-writer';
import type { LinkDenialReason } from './link-errors';

export type LinkDeniedEntry = {
  reason: LinkDenialReason;
  /** The file id from the URL (may name no file). */
  fileId: string;
  /** Only from a verified token (never from one whose signature failed). */
  linkId?: string | null;
  actor: Actor;
};

/** Denials written one by one per client IP and reason in each window. */
export const LINK_DENIED_PER_WINDOW = 10;
export const LINK_DENIED_WINDOW_MS = 60_000;
/** Clients tracked at once; past it, new clients share one window (a spray from many IPs). */
const MAX_TRACKED = 10_000;

type Window = { start: number; written: number; suppressed: number; last: LinkDeniedEntry | null; lastAt: number };
type Row = { at: number; user: string | null; ip: string | null; info: string; fileId: string | null };

const windows = new Map<string, Window>();
let sweeper: NodeJS.Timeout | null = null;
let clock: () => number = Date.now;

/** Records a denial (never the token: it is a credential until it expires). Returns at once. */
export function recordLinkDenied(entry: LinkDeniedEntry): Promise<void> {
  const now = clock();
  // The id comes from the request: cut it so a hostile URL cannot bloat the log.
  const denial = { ...entry, fileId: entry.fileId.slice(0, 100) };
  const ip = denial.actor.ip ?? '';
  let key = `${ip}\u0000${denial.reason}`;
  if (!windows.has(key) && windows.size >= MAX_TRACKED) key = `*\u0000${denial.reason}`;
  let window = windows.get(key);
  if (window && now - window.start >= LINK_DENIED_WINDOW_MS) {
    closeWindow(window);
    window = undefined;
  }
  if (!window) {
    window = { start: now, written: 0, suppressed: 0, last: null, lastAt: now };
    windows.set(key, window);
  }
  if (window.written < LINK_DENIED_PER_WINDOW) {
    window.written += 1;
    rows.add(rowOf(denial, now, {}));
  } else {
    window.suppressed += 1;
    window.last = key.startsWith('*') ? { ...denial, actor: { ...denial.actor, ip: null } } : denial;
    window.lastAt = now;
  }
  sweeper ??= setInterval(sweep, LINK_DENIED_WINDOW_MS).unref();
  return Promise.resolve();
}

/** Writes every pending row and every open window's count; for shutdown and tests. */
export function flushLinkDenials(): Promise<void> {
  for (const window of windows.values()) closeWindow(window);
  windows.clear();
  return rows.flush();
}

/** Tests: a fake clock, and a clean slate. */
export function setLinkDeniedClockForTests(now: (() => number) | null): void {
  clock = now ?? Date.now;
  windows.clear();
}

function sweep() {
  const now = clock();
  for (const [key, window] of windows) {
    if (now - window.start >= LINK_DENIED_WINDOW_MS) {
      closeWindow(window);
      windows.delete(key);
    }
  }
  if (windows.size === 0 && sweeper) {
    clearInterval(sweeper);
    sweeper = null;
  }
}

function closeWindow(window: Window) {
  if (window.suppressed === 0 || !window.last) return;
  rows.add(
    rowOf(window.last, window.lastAt, {
      aggregated: true,
      count: window.suppressed,
      since: new Date(window.start).toISOString(),
    }),
  );
  window.suppressed = 0;
}

function rowOf(entry: LinkDeniedEntry, at: number, extra: Record<string, string | number | boolean>): Row {
  const { reason, fileId, linkId, actor } = entry;
  return {
    at,
    user: actor.user,
    ip: actor.ip,
    info: formatInfo({ reason, file_id: fileId, link_id: linkId ?? undefined, ...extra }),
    fileId,
  };
}

const INSERT_LOG = `INSERT INTO "Log" ("timestamp", "user", "ipAddress", "action", "info", "fileId", "anonymized")
  VALUES (?, ?, ?, 'link_denied', ?, ?, 0)`;

const rows = batchedWrites<Row>({
  name: 'link_denied',
  write: (sqlite, batch) => {
    const insert = prepared(sqlite, INSERT_LOG);
    for (const row of batch) insert.run(row.at, row.user, row.ip, row.info, row.fileId);
  },
});
