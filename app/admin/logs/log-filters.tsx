'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { AUDIT_ACTIONS } from '@/lib/audit/actions';
import { TimeZoneName } from './log-time';
import { formText } from '@/lib/http/form-text';

export type FilterValues = {
  action?: string;
  user?: string;
  ip?: string;
  fileId?: string;
  /** ISO 8601 UTC. */
  since?: string;
  until?: string;
};

const input =
  'w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-200';

/**
 * The filter form. From and Until are typed in the viewer's own time zone and sent as UTC
 * ISO times, so the URL (and the CSV export, and the API) mean the same instant wherever it
 * is opened. Without JavaScript the form still submits; the times then count as UTC.
 */
export function LogFilters({ initial }: { initial: FilterValues }) {
  const router = useRouter();
  // The URL holds UTC; the inputs show local time, which only the browser knows.
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  useEffect(() => {
    setSince(toLocalInput(initial.since));
    setUntil(toLocalInput(initial.until));
  }, [initial.since, initial.until]);

  function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const params = new URLSearchParams();
    for (const key of ['action', 'user', 'ip', 'fileId'] as const) {
      const value = formText(form, key).trim();
      if (value) params.set(key, value);
    }
    if (since) params.set('since', new Date(since).toISOString());
    if (until) params.set('until', new Date(until).toISOString());
    const query = params.toString();
    router.push(query ? `/admin/logs?${query}` : '/admin/logs');
  }

  return (
    <form
      key={JSON.stringify(initial)}
      onSubmit={onSubmit}
      action="/admin/logs"
      method="get"
      aria-label="Filter the log"
      className="grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-6"
    >
      <label className="block">
        <span className="mb-1 block text-xs font-medium text-slate-600">Action</span>
        <select name="action" defaultValue={initial.action ?? ''} className={input}>
          <option value="">All actions</option>
          {AUDIT_ACTIONS.map((action) => (
            <option key={action} value={action}>
              {action}
            </option>
          ))}
        </select>
      </label>
      <label className="block">
        <span className="mb-1 block text-xs font-medium text-slate-600">User</span>
        <input name="user" defaultValue={initial.user ?? ''} placeholder="exact, e.g. admin" className={input} />
      </label>
      <label className="block">
        <span className="mb-1 block text-xs font-medium text-slate-600">IP address</span>
        <input name="ip" defaultValue={initial.ip ?? ''} placeholder="e.g. 203.0.113.7" className={input} />
      </label>
      <label className="block">
        <span className="mb-1 block text-xs font-medium text-slate-600">File id</span>
        <input
          name="fileId"
          defaultValue={initial.fileId ?? ''}
          placeholder="e.g. Ab3_x-9Z"
          className={`${input} font-mono`}
        />
      </label>
      <label className="block">
        <span className="mb-1 block text-xs font-medium text-slate-600">From</span>
        <input
          type="datetime-local"
          name="since"
          step={1}
          value={since}
          onChange={(event) => setSince(event.target.value)}
          className={input}
        />
      </label>
      <label className="block">
        <span className="mb-1 block text-xs font-medium text-slate-600">Until (before)</span>
        <input
          type="datetime-local"
          name="until"
          step={1}
          value={until}
          onChange={(event) => setUntil(event.target.value)}
          className={input}
        />
      </label>
      <div className="flex flex-wrap items-center gap-3 sm:col-span-2 lg:col-span-6">
        <button
          type="submit"
          className="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700"
        >
          Apply filters
        </button>
        <Link href="/admin/logs" className="text-sm text-slate-600 hover:text-slate-900 hover:underline">
          Clear
        </Link>
        <span className="ml-auto text-xs text-slate-500">
          Times are in <TimeZoneName />.
        </span>
      </div>
    </form>
  );
}

/** A UTC ISO time as the value of a datetime-local input: the viewer's wall-clock time. */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  const seconds = date.getSeconds() ? `:${pad(date.getSeconds())}` : '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}${seconds}`;
}
