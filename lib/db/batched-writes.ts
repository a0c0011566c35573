// Rows written in batches on the hot-path connection (lib/db/hot-writer.ts): a batch goes out
// `afterMs` after its first row (or at once when it reaches `maxRows`), in one transaction,
// never waiting inside SQLite. Used for download records and link denials; flush() on shutdown.
import type Database from 'better-sqlite3';
import { writeWhenFree } from './hot-writer';

export type BatchedWrites<T> = {
  add: (row: T) => void;
  /** Writes what is pending; resolves when it (and any flush before it) is stored. */
  flush: () => Promise<void>;
};

export function batchedWrites<T>({
  name,
  write,
  afterMs = 100,
  maxRows = 500,
}: {
  /** For the error line when a batch cannot be written. */
  name: string;
  /** Writes one batch with synchronous statements; it runs inside one IMMEDIATE transaction. */
  write: (sqlite: Database.Database, batch: T[]) => void;
  afterMs?: number;
  maxRows?: number;
}): BatchedWrites<T> {
  const pending: T[] = [];
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    const batch = pending.splice(0);
    if (batch.length === 0) return flushing;
    flushing = flushing
      .then(() => writeWhenFree((sqlite) => sqlite.transaction(() => write(sqlite, batch)).immediate()))
      .catch((error) => console.error(`[${name}] recording failed`, error));
    return flushing;
  };

  const add = (row: T) => {
    pending.push(row);
    if (pending.length >= maxRows) void flush();
    else timer ??= setTimeout(() => void flush(), afterMs);
  };

  return { add, flush };
}
