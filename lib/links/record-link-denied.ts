// link_denied entries, capped per client IP and reason: a client sending forged or used links
// by the thousand must not write a row each (README "Share links", "Answers"). Within a window
// of LINK_DENIED_WINDOW_MS, the first LINK_DENIED_ROWS_PER_WINDOW denials of one (IP, reason)
// are written as they happen; the rest are counted, and one row with that count
// (`suppressed: n`) is written when the window closes. The window lives in this process (each
// server process caps on its own); rows go through the hot-path writer (lib/db/hot-writer.ts),
// never waiting inside SQLite.
import 'server-only';
import { formatInfo, type Actor } from '../audit';
import { prepared, writeWhenFree } from '../db/hot-writer';
import type { LinkDenialReason } from './link-errors';

export type LinkDeniedEntry = {
  reason: LinkDenialReason;
  /** The file id from the URL (may name no file). */
  fileId: string;
  /** Only from a verified token (never from one whose signature failed). */
  linkId?: string | null;
  actor: Actor;
};

export const LINK_DENIED_WINDOW_MS = 60_000;
export const LINK_DENIED_ROWS_PER_WINDOW = 10;
/** Windows kept at most; past it, new clients share one window per reason (IP `*`). */
const MAX_WINDOWS = 10_000;

type Window = { startedAt: number; written: number; suppressed: number; last: LinkDeniedEntry };

const windows = new Map<string, Window>();
let sweeper: NodeJS.Timeout | null = null;

/**
 * Records a denial: written at once while its (IP, reason) is under the cap, else counted for
 * the window's summary row. Never the token: it is a credential until it expires.
 */
export async function recordLinkDenied(entry: LinkDeniedEntry, now: number = Date.now()): Promise<void> {
  let key = `${entry.actor.ip ?? ''}\n${entry.reason}`;
  let window = windows.get(key);
  if (window && now - window.startedAt >= LINK_DENIED_WINDOW_MS) {
    void closeWindow(key, window, now);
    window = undefined;
  }
  if (!window && windows.size >= MAX_WINDOWS) {
    closeExpiredWindows(now);
    if (windows.size >= MAX_WINDOWS) {
      key = `*\n${entry.reason}`;
      window = windows.get(key);
    }
  }
  if (!window) {
    window = { startedAt: now, written: 0, suppressed: 0, last: entry };
    windows.set(key, window);
    sweeper ??= setInterval(() => closeExpiredWindows(Date.now()), LINK_DENIED_WINDOW_MS / 4).unref();
  }
  window.last = entry;
  if (window.written < LINK_DENIED_ROWS_PER_WINDOW) {
    window.written++;
    await writeRow(entry, now, null);
  } else {
    window.suppressed++;
  }
}

/** Writes the summary rows of every window now (server shutdown, tests). */
export async function flushLinkDenied(now: number = Date.now()): Promise<void> {
  const writes: Promise<void>[] = [];
  for (const [key, window] of windows) writes.push(closeWindow(key, window, now));
  await Promise.all(writes);
}

function closeExpiredWindows(now: number): void {
  for (const [key, window] of windows) {
    if (now - window.startedAt >= LINK_DENIED_WINDOW_MS) void closeWindow(key, window, now);
  }
  if (windows.size === 0 && sweeper) {
    clearInterval(sweeper);
    sweeper = null;
  }
}

function closeWindow(key: string, window: Window, now: number): Promise<void> {
  windows.delete(key);
  if (window.suppressed === 0) return Promise.resolve();
  const entry = key.startsWith('*\n') ? { ...window.last, actor: { ...window.last.actor, ip: '*' } } : window.last;
  return writeRow(entry, now, window.suppressed).catch((error) =>
    console.error('[links] writing a link_denied summary failed', error),
  );
}

const INSERT = `INSERT INTO "Log" ("timestamp", "user", "ipAddress", "action", "info", "fileId", "anonymized")
  VALUES (?, ?, ?, 'link_denied', ?, ?, 0)`;

async function writeRow({ reason, fileId, linkId, actor }: LinkDeniedEntry, at: number, suppressed: number | null) {
  // The id comes from the request: cut it so a hostile URL cannot bloat the log.
  const file = fileId.slice(0, 100);
  const info = formatInfo({
    reason,
    file_id: file,
    link_id: linkId ?? undefined,
    // A summary row: this many more denials of this reason from this client in the window.
    suppressed: suppressed ?? undefined,
    window_s: suppressed === null ? undefined : LINK_DENIED_WINDOW_MS / 1000,
  });
  await writeWhenFree((sqlite) => prepared(sqlite, INSERT).run(at, actor.user, actor.ip, info, file || null));
}
