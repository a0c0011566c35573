// Counting and auditing completed downloads, written in batches: one transaction every 100 ms
// (or every 500 downloads) on the hot-path connection (lib/db/hot-writer.ts) instead of two
// Prisma writes per download, which measured as the largest cost of a small download. An entry
// waits at most that long; the server flushes on shutdown.
import 'server-only';
import { formatInfo, type Actor } from '../audit';
import { prepared, writeWhenFree } from '../db/hot-writer';

export type CompletedDownload = {
  fileId: string;
  name: string;
  actor: Actor;
  linkId: string | null;
  bytes: number;
  range: boolean;
};

const FLUSH_AFTER_MS = 100;
const FLUSH_AT = 500;

const pending: { entry: CompletedDownload; at: Date }[] = [];
let timer: NodeJS.Timeout | null = null;
let flushing: Promise<void> = Promise.resolve();

export function recordDownload(entry: CompletedDownload): void {
  pending.push({ entry, at: new Date() });
  if (pending.length >= FLUSH_AT) void flushDownloads();
  else timer ??= setTimeout(() => void flushDownloads(), FLUSH_AFTER_MS);
}

/** Writes what is pending; resolves when it (and any flush before it) is stored. */
export function flushDownloads(): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = null;
  const batch = pending.splice(0);
  if (batch.length === 0) return flushing;
  flushing = flushing.then(() => write(batch)).catch((error) => console.error('[download] recording failed', error));
  return flushing;
}

const INSERT_LOG = `INSERT INTO "Log" ("timestamp", "user", "ipAddress", "action", "info", "fileId", "anonymized")
  VALUES (?, ?, ?, 'download', ?, ?, 0)`;
const COUNT_DOWNLOADS = `UPDATE "File" SET "downloads" = "downloads" + ? WHERE "id" = ?`;

async function write(batch: { entry: CompletedDownload; at: Date }[]): Promise<void> {
  const counts = new Map<string, number>();
  for (const { entry } of batch) counts.set(entry.fileId, (counts.get(entry.fileId) ?? 0) + 1);
  await writeWhenFree((sqlite) => {
    const insert = prepared(sqlite, INSERT_LOG);
    const count = prepared(sqlite, COUNT_DOWNLOADS);
    // One transaction for the batch; a file deleted meanwhile simply is not counted.
    sqlite
      .transaction(() => {
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
      })
      .immediate();
  });
}
