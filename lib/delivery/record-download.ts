// Counting and auditing completed downloads, written in batches: one transaction every 100 ms
// (or every 500 downloads) on the hot-path connection (lib/db/hot-writer.ts) instead of two
// Prisma writes per download, which measured as the largest cost of a small download. An entry
// waits at most that long; the server flushes on shutdown.
import 'server-only';
import { formatInfo, type Actor } from '../audit';
import type Database from 'better-sqlite3';
import { batchedWrites } from '../db/batched-writes';
import { prepared } from '../db/hot-writer';

export type CompletedDownload = {
  fileId: string;
  name: string;
  actor: Actor;
  linkId: string | null;
  bytes: number;
  range: boolean;
};

const downloads = batchedWrites<{ entry: CompletedDownload; at: Date }>({ name: 'download', write });

export function recordDownload(entry: CompletedDownload): void {
  downloads.add({ entry, at: new Date() });
}

/** Writes what is pending; resolves when it (and any flush before it) is stored. */
export const flushDownloads = downloads.flush;

const INSERT_LOG = `INSERT INTO "Log" ("timestamp", "user", "ipAddress", "action", "info", "fileId", "anonymized")
  VALUES (?, ?, ?, 'download', ?, ?, 0)`;
const COUNT_DOWNLOADS = `UPDATE "File" SET "downloads" = "downloads" + ? WHERE "id" = ?`;

// One transaction for the batch; a file deleted meanwhile simply is not counted.
function write(sqlite: Database.Database, batch: { entry: CompletedDownload; at: Date }[]): void {
  const counts = new Map<string, number>();
  for (const { entry } of batch) counts.set(entry.fileId, (counts.get(entry.fileId) ?? 0) + 1);
  const insert = prepared(sqlite, INSERT_LOG);
  const count = prepared(sqlite, COUNT_DOWNLOADS);
  for (const { entry, at } of batch) {
    const info = formatInfo({
      file_id: entry.fileId,
      name: entry.name,
      link_id: entry.linkId ?? undefined,
      bytes: entry.bytes,
      range: entry.range || undefined,
    });
    insert.run(at.getTime(), entry.actor.user, entry.actor.ip, info, entry.fileId);
  }
  for (const [id, n] of counts) count.run(n, id);
}
