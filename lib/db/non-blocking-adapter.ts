// Prisma's better-sqlite3 adapter runs each statement synchronously; with a busy timeout the
// whole process would wait inside SQLite for another process's write lock (measured: 10 s of
// nothing answered). This wraps the adapter: the connection has a busy timeout of 0, and a
// statement that found the lock held is tried again from the event loop (lib/db/busy.ts), and a
// statement that changes something first checks the database file is still ours and writable
// (lib/db/database-state.ts).
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from '@prisma/driver-adapter-utils';
import { retryWhileBusy } from './busy';

type Queryable = Pick<SqlDriverAdapter, 'queryRaw' | 'executeRaw'>;

type Options = {
  /** How long one statement may wait for the write lock. */
  budgetMs: () => number;
  /** Called before a statement that changes something; throws to refuse it. */
  beforeWrite: () => void;
};

const CHANGES = /^\s*(INSERT|UPDATE|DELETE|REPLACE|BEGIN|COMMIT)\b/i;

function retrying<T extends Queryable>(target: T, { budgetMs, beforeWrite }: Options, wrapExtra?: Partial<T>): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      if (wrapExtra && property in wrapExtra) return wrapExtra[property as keyof T];
      if (property === 'queryRaw' || property === 'executeRaw') {
        const method = object[property].bind(object) as (query: SqlQuery) => Promise<unknown>;
        return (query: SqlQuery) => {
          if (CHANGES.test(query.sql)) beforeWrite();
          return retryWhileBusy(() => method(query), budgetMs());
        };
      }
      const value: unknown = Reflect.get(object, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}

/** `factory`'s connections, retrying busy statements for up to `budgetMs()` each. */
export function nonBlocking(factory: SqlDriverAdapterFactory, options: Options): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => {
      const adapter = await factory.connect();
      return retrying(adapter, options, {
        executeScript: (script: string) => {
          options.beforeWrite();
          return retryWhileBusy(() => adapter.executeScript(script), options.budgetMs());
        },
        startTransaction: async (...args: Parameters<SqlDriverAdapter['startTransaction']>) =>
          retrying<Transaction>(await adapter.startTransaction(...args), options),
      });
    },
  };
}
