// Rows written in batches on the hot-path connection (lib/db/hot-writer.ts): a batch goes out
// `afterMs` after its first row (or at once when it reaches `maxRows`), in one transaction,
// never waiting inside SQLite. Used for download records and link denials; flush() on shutdown.
//
// A batch that cannot be written (the database busy past DB_BUSY_TIMEOUT, read-only, gone) is
// not dropped: its rows go back to the front of the queue and are tried again after
// `retryAfterMs`. The queue is bounded (`maxPending`); rows beyond it are counted as lost and
// reported in the log and in /api/health's details. A kill -9 loses what is queued: normally
// the rows of the last `afterMs` (README, Reliability).
import type Database from 'better-sqlite3';
import { writeWhenFree } from './hot-writer';

export type BatchedWrites<T> = {
  add: (row: T) => void;
  /** Writes what is pending; resolves when it (and any flush before it) is stored or failed. */
  flush: () => Promise<void>;
};

export type BatchStats = { name: string; pending: number; lost: number; failedBatches: number };

const registry: (() => BatchStats)[] = [];

/** The queues of this process: what waits to be written and what was lost. */
export function batchedWriteStats(): BatchStats[] {
  return registry.map((stats) => stats());
}

export function batchedWrites<T>({
  name,
  write,
  afterMs = 100,
  maxRows = 500,
  maxPending = 50_000,
  retryAfterMs = 1000,
}: {
  /** For the log line when a batch cannot be written. */
  name: string;
  /** Writes one batch with synchronous statements; it runs inside one IMMEDIATE transaction. */
  write: (sqlite: Database.Database, batch: T[]) => void;
  afterMs?: number;
  maxRows?: number;
  /** Rows kept while the database cannot take them; more are lost (and counted). */
  maxPending?: number;
  retryAfterMs?: number;
}): BatchedWrites<T> {
  let pending: T[] = [];
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();
  let lost = 0;
  let failedBatches = 0;
  let failing = false;

  registry.push(() => ({ name, pending: pending.length, lost, failedBatches }));

  const schedule = (ms: number) => {
    timer ??= setTimeout(() => void flush(), ms);
  };

  const keep = (rows: T[]) => {
    // Failed rows go first again (their order is their time order); the newest beyond the bound go.
    const all = rows.concat(pending);
    if (all.length > maxPending) {
      const dropped = all.length - maxPending;
      lost += dropped;
      console.error(`[${name}] ${dropped} record(s) lost: the queue of ${maxPending} is full (${lost} in all)`);
      all.length = maxPending;
    }
    pending = all;
  };

  /** Writes batches until the queue is empty or one fails (then it is kept and retried later). */
  const drain = async () => {
    while (pending.length) {
      const batch = pending.splice(0, maxRows);
      try {
        await writeWhenFree((sqlite) => sqlite.transaction(() => write(sqlite, batch)).immediate());
      } catch (error) {
        failedBatches++;
        if (!failing) {
          const reason = error instanceof Error ? error.message : String(error);
          console.error(`[${name}] could not store ${batch.length} record(s), keeping them to try again: ${reason}`);
        }
        failing = true;
        keep(batch);
        schedule(retryAfterMs);
        return;
      }
      if (failing) console.error(`[${name}] storing records works again`);
      failing = false;
    }
  };

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    flushing = flushing.then(drain);
    return flushing;
  };

  const add = (row: T) => {
    if (pending.length >= maxPending) {
      lost++;
      if (lost === 1 || lost % 1000 === 0) console.error(`[${name}] record lost: the queue is full (${lost} in all)`);
      return;
    }
    pending.push(row);
    if (pending.length >= maxRows && !failing) void flush();
    else schedule(afterMs);
  };

  return { add, flush };
}
