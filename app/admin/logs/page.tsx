import type { Metadata } from 'next';
import Link from 'next/link';
import { queryLogs, type LogEntry } from '@/lib/audit/query-logs';
import { LOG_LIMIT_DEFAULT, logFiltersToSearchParams, logQuerySchema, type LogQuery } from '@/lib/audit/schemas';
import { requireAdminPage } from '@/lib/auth/current-admin';
import { env } from '@/lib/env';
import { isAppError, toAppError } from '@/lib/errors';
import { searchParamsToObject } from '@/lib/files/schemas';
import { ActionBadge, AnonymizedBadge } from './action-badge';
import { LogFilters } from './log-filters';
import { LogTime } from './log-time';

export const metadata: Metadata = { title: 'Audit log' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function LogsPage({ searchParams }: { searchParams: SearchParams }) {
  await requireAdminPage();
  const config = env();
  const { query, entries, nextCursor, problem } = await loadPage(await searchParams);
  const filtered = Boolean(query.action || query.user || query.ip || query.fileId || query.since || query.until);
  const href = (change: Partial<LogQuery>) => {
    const params = logFiltersToSearchParams({ ...query, cursor: undefined, ...change });
    const text = params.toString();
    return text ? `/admin/logs?${text}` : '/admin/logs';
  };
  const exportHref =
    `/admin/logs/export?${logFiltersToSearchParams({ ...query, cursor: undefined, limit: undefined })}`.replace(
      /\?$/,
      '',
    );

  return (
    <section className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold">Audit log</h1>
          <p className="mt-1 max-w-3xl text-sm text-slate-600">
            Every sign-in, upload, download, link, token, user and key change, newest first. User and IP of entries
            older than {config.logAnonymizeAfterDays === 1 ? '1 day' : `${config.logAnonymizeAfterDays} days`} are
            anonymized
            {config.logRetentionDays === null
              ? '; entries are kept indefinitely (LOG_RETENTION_DAYS is not set).'
              : `; entries older than ${config.logRetentionDays} days are deleted.`}
          </p>
        </div>
        <a
          href={exportHref}
          download
          className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100"
        >
          Export CSV{filtered ? ' (filtered)' : ''}
        </a>
      </div>

      <LogFilters
        initial={{
          action: query.action,
          user: query.user,
          ip: query.ip,
          fileId: query.fileId,
          since: query.since?.toISOString(),
          until: query.until?.toISOString(),
        }}
      />

      {problem && (
        <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-4 py-2 text-sm text-red-800">
          {problem}
        </p>
      )}

      {entries.length === 0 ? (
        <div className="rounded-xl border border-slate-200 bg-white px-4 py-10 text-center text-sm text-slate-600">
          {query.cursor ? (
            <>
              No older entries.{' '}
              <Link href={href({})} className="font-medium text-indigo-700 hover:underline">
                Back to the newest
              </Link>
            </>
          ) : filtered ? (
            <>
              No entries match these filters.{' '}
              <Link href="/admin/logs" className="font-medium text-indigo-700 hover:underline">
                Clear the filters
              </Link>
            </>
          ) : (
            'The audit log is empty.'
          )}
        </div>
      ) : (
        <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-xs tracking-wide text-slate-500 uppercase">
              <tr>
                <th className="px-4 py-2">Time</th>
                <th className="px-4 py-2">Action</th>
                <th className="px-4 py-2">User</th>
                <th className="px-4 py-2">IP</th>
                <th className="px-4 py-2">File</th>
                <th className="px-4 py-2">Details</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {entries.map((entry) => (
                <LogRow key={entry.id} entry={entry} href={href} />
              ))}
            </tbody>
          </table>
        </div>
      )}

      {(nextCursor || query.cursor) && (
        <nav aria-label="Pages" className="flex items-center justify-end gap-2 text-sm">
          {query.cursor && (
            <Link
              href={href({})}
              className="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-100"
            >
              Newest
            </Link>
          )}
          {nextCursor && (
            <Link
              href={href({ cursor: nextCursor })}
              className="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-100"
            >
              Next page
            </Link>
          )}
        </nav>
      )}
    </section>
  );
}

function LogRow({ entry, href }: { entry: LogEntry; href: (change: Partial<LogQuery>) => string }) {
  const filterLink = 'hover:text-indigo-700 hover:underline';
  return (
    <tr data-testid="log-row" className={entry.anonymized ? 'bg-slate-50/60' : undefined}>
      <td className="px-4 py-2 align-baseline whitespace-nowrap text-slate-700">
        <LogTime iso={entry.timestamp.toISOString()} />
      </td>
      <td className="px-4 py-2 align-baseline">
        <Link href={href({ action: entry.action as LogQuery['action'] })} title={`Only ${entry.action} entries`}>
          <ActionBadge action={entry.action} />
        </Link>
      </td>
      <td className="px-4 py-2 align-baseline">
        {entry.anonymized ? (
          <AnonymizedBadge />
        ) : entry.user ? (
          <Link href={href({ user: entry.user })} className={filterLink} title={`Only entries by ${entry.user}`}>
            {entry.user}
          </Link>
        ) : (
          <span className="text-slate-400">—</span>
        )}
      </td>
      <td className="px-4 py-2 align-baseline font-mono text-xs leading-5 whitespace-nowrap">
        {entry.anonymized ? (
          <span className="text-slate-400" title="Redacted by anonymization">
            —
          </span>
        ) : entry.ipAddress ? (
          <Link
            href={href({ ip: entry.ipAddress })}
            className={filterLink}
            title={`Only entries from ${entry.ipAddress}`}
          >
            {entry.ipAddress}
          </Link>
        ) : (
          <span className="text-slate-400">—</span>
        )}
      </td>
      <td className="px-4 py-2 align-baseline font-mono text-xs leading-5 whitespace-nowrap">
        {entry.fileId ? (
          <Link href={href({ fileId: entry.fileId })} className={filterLink} title="Only entries about this file">
            {entry.fileId}
          </Link>
        ) : (
          <span className="text-slate-400">—</span>
        )}
      </td>
      <td className="max-w-md px-4 py-2 align-baseline text-xs leading-5 break-words text-slate-600">
        {entry.info || <span className="text-slate-400">—</span>}
      </td>
    </tr>
  );
}

async function loadPage(raw: Record<string, string | string[] | undefined>) {
  const parsed = logQuerySchema.safeParse(searchParamsToObject(raw));
  // A hand-edited URL (say ?since=yesterday) shows the newest entries and says why.
  const query: LogQuery = parsed.success ? parsed.data : { limit: LOG_LIMIT_DEFAULT };
  let problem = parsed.success
    ? null
    : `That filter is not valid (${toAppError(parsed.error).message}), so all entries are shown.`;
  let result;
  try {
    result = await queryLogs(query);
  } catch (error) {
    if (!isAppError(error)) throw error;
    // A cursor from an old bookmark: start again at the newest.
    problem = error.message;
    query.cursor = undefined;
    result = await queryLogs(query);
  }
  return { query, entries: result.items, nextCursor: result.nextCursor, problem };
}
