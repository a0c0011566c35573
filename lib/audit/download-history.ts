// "Who downloaded my file": a file's `download` entries from the audit log, newest first, with
// the share link each came through. Anonymized entries still show when, but no longer who.
import 'server-only';
import { queryLogs, type LogEntry } from './query-logs';

export const DOWNLOAD_HISTORY_LIMIT = 50;

export type DownloadHistoryItem = {
  id: number;
  /** ISO 8601 UTC. */
  at: string;
  /** Who, as logged: an admin's name, `anonymous` (a public file), `link:<id>` or `link`; null once anonymized. */
  user: string | null;
  ip: string | null;
  /** Through a share link, or directly (a public file, an admin session). */
  via: 'link' | 'direct';
  /** The tracked link's id; null for a direct download or an untracked link. */
  linkId: string | null;
  /** The download resumed (Range) instead of starting at byte 0. */
  resumed: boolean;
  anonymized: boolean;
};

export type DownloadHistory = { items: DownloadHistoryItem[]; more: boolean };

export async function listDownloadHistory({
  fileId,
  limit = DOWNLOAD_HISTORY_LIMIT,
}: {
  fileId: string;
  limit?: number;
}): Promise<DownloadHistory> {
  const page = await queryLogs({ fileId, action: 'download', limit });
  return { items: page.items.map(toItem), more: page.nextCursor !== null };
}

function toItem(entry: LogEntry): DownloadHistoryItem {
  const { linkId, resumed } = parseDownloadInfo(entry.info);
  // The download path logs a link's recipient as `link:<id>` (`link` when untracked); after
  // anonymization only the info's link_id still tells a tracked link apart.
  const linkUser = entry.user === 'link' || Boolean(entry.user?.startsWith('link:'));
  return {
    id: entry.id,
    at: entry.timestamp.toISOString(),
    user: entry.anonymized ? null : entry.user,
    ip: entry.anonymized ? null : entry.ipAddress,
    via: linkId || linkUser ? 'link' : 'direct',
    linkId: linkId ?? (entry.user?.startsWith('link:') ? entry.user.slice('link:'.length) : null),
    resumed,
    anonymized: entry.anonymized,
  };
}

/**
 * The link id and range flag of a download entry's info, which the download path writes as
 * `file_id: <id>, name: <name>[, link_id: <id>], bytes: <n>[, range: true]`. Read from the
 * end, past the name: a name containing ", link_id: x, bytes: 1" in its middle cannot pass for
 * a link (only one ending in ", link_id: x" could, and names are chosen by admins). Entries
 * imported from the Flask server (`file_id: .., filename: ..`) have neither.
 */
export function parseDownloadInfo(info: string): { linkId: string | null; resumed: boolean } {
  const match = /(?:, link_id: ([^\s,]+))?, bytes: \d+(, range: true)?$/.exec(info);
  return { linkId: match?.[1] ?? null, resumed: Boolean(match?.[2]) };
}
