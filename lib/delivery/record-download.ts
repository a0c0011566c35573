// Counting and auditing completed downloads, written in batches: one transaction every 100 ms
// (or every 500 downloads) instead of two writes per download, which measured as the largest
// cost of a small download. An entry waits at most that long; the server flushes on shutdown.
import 'server-only';
import { formatInfo, type Actor } from '../audit';
import { db } from '../db';

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

async function write(batch: { entry: CompletedDownload; at: Date }[]): Promise<void> {
  const counts = new Map<string, number>();
  for (const { entry } of batch) counts.set(entry.fileId, (counts.get(entry.fileId) ?? 0) + 1);
  const client = db();
  await client.$transaction([
    client.log.createMany({
      data: batch.map(({ entry, at }) => ({
        timestamp: at,
        action: 'download',
        user: entry.actor.user,
        ipAddress: entry.actor.ip,
        fileId: entry.fileId,
        info: formatInfo({
          file_id: entry.fileId,
          name: entry.name,
          link_id: entry.linkId ?? undefined,
          bytes: entry.bytes,
          range: entry.range || undefined,
        }),
      })),
    }),
    // updateMany: a file deleted meanwhile is simply not counted.
    ...[...counts].map(([id, n]) => client.file.updateMany({ where: { id }, data: { downloads: { increment: n } } })),
  ]);
}
