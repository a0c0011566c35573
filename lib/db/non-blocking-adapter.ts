// Prisma's better-sqlite3 adapter runs each statement synchronously; with a busy timeout the
// whole process would wait inside SQLite for another process's write lock (measured: 10 s of
// nothing answered). This wraps the adapter: the connection has a busy timeout of 0, and a
// statement that found the lock held is tried again from the event loop (lib/db/busy.ts).
import type { SqlDriverAdapter, SqlDriverAdapterFactory, Transaction } from '@prisma/driver-adapter-utils';
import { retryWhileBusy } from './busy';

type Queryable = Pick<SqlDriverAdapter, 'queryRaw' | 'executeRaw'>;

function retrying<T extends Queryable>(target: T, budgetMs: () => number, wrapExtra?: Partial<T>): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      if (wrapExtra && property in wrapExtra) return wrapExtra[property as keyof T];
      if (property === 'queryRaw' || property === 'executeRaw') {
        const method = object[property].bind(object) as (query: unknown) => Promise<unknown>;
        return (query: unknown) => retryWhileBusy(() => method(query), budgetMs());
      }
      const value: unknown = Reflect.get(object, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}

/** `factory`'s connections, retrying busy statements for up to `budgetMs()` each. */
export function nonBlocking(factory: SqlDriverAdapterFactory, budgetMs: () => number): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => {
      const adapter = await factory.connect();
      return retrying(adapter, budgetMs, {
        executeScript: (script: string) => retryWhileBusy(() => adapter.executeScript(script), budgetMs()),
        startTransaction: async (...args: Parameters<SqlDriverAdapter['startTransaction']>) =>
          retrying<Transaction>(await adapter.startTransaction(...args), budgetMs),
      });
    },
  };
}
