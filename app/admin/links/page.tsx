import type { Metadata } from 'next';
import Link from 'next/link';
import { requireAdminPage } from '@/lib/auth/current-admin';
import { isAppError } from '@/lib/errors';
import { getFile } from '@/lib/files';
import { listKeys } from '@/lib/keys';
import { listLinks, listLinksQuerySchema, type LinkListItem, type LinkStatus } from '@/lib/links';
import { LocalTime } from '../_components/local-time';
import { ShareButton } from '../_components/share/share-button';
import { formatTimeLeft } from '../_components/share/time-left';
import { RevokeLinkButton } from './revoke-link-button';

export const metadata: Metadata = { title: 'Links' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** A link's status as this page shows it: also 'key_retired' when its signing key stopped verifying. */
type ShownStatus = LinkStatus | 'key_retired';

const STATUS: Record<ShownStatus, { label: string; className: string; title?: string }> = {
  active: { label: 'Active', className: 'bg-emerald-50 text-emerald-700 ring-emerald-600/20' },
  used: { label: 'Used up', className: 'bg-amber-50 text-amber-800 ring-amber-600/20' },
  expired: { label: 'Expired', className: 'bg-slate-100 text-slate-600 ring-slate-500/20' },
  revoked: { label: 'Revoked', className: 'bg-red-50 text-red-700 ring-red-600/20' },
  key_retired: {
    label: 'Key retired',
    className: 'bg-red-50 text-red-700 ring-red-600/20',
    title: 'Refused: the key that signed it no longer verifies (all links were revoked on the Keys page).',
  },
};

export default async function LinksPage({ searchParams }: { searchParams: SearchParams }) {
  await requireAdminPage();
  const raw = await searchParams;
  const parsed = listLinksQuerySchema.safeParse({ fileId: single(raw.fileId), cursor: single(raw.cursor) });
  const query = parsed.success ? parsed.data : listLinksQuerySchema.parse({});
  let problem = parsed.success ? null : 'That address is not valid, so all links are shown.';
  const file = query.fileId ? await getFile(query.fileId) : null;

  let result;
  try {
    result = await listLinks({ fileId: query.fileId, cursor: query.cursor, limit: query.limit });
  } catch (error) {
    if (!isAppError(error)) throw error;
    // An old bookmark or a hand-edited cursor: start again at the top.
    problem = error.message;
    query.cursor = undefined;
    result = await listLinks({ fileId: query.fileId, limit: query.limit });
  }
  const { items, nextCursor } = result;
  // Keys sign one after another and stop verifying oldest first, so a link made before the
  // oldest key still verifying was signed by a key that no longer does: after "Revoke all
  // links" such a link is refused although its row still looks active.
  const verifyingSince = Math.min(
    ...(await listKeys()).keys.filter((key) => key.verifying).map((key) => key.createdAt.getTime()),
  );
  const href = (cursor?: string) => {
    const params = new URLSearchParams();
    if (query.fileId) params.set('fileId', query.fileId);
    if (cursor) params.set('cursor', cursor);
    const search = params.toString();
    return search ? `/admin/links?${search}` : '/admin/links';
  };

  return (
    <section className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Links</h1>
        <p className="mt-1 max-w-3xl text-sm text-slate-600">
          Share links let anyone who has them download one file without signing in, until they expire, are used up or
          are revoked. Every tracked link is listed here, newest first. Untracked links are not: the only way to stop
          them early is{' '}
          <Link href="/admin/keys" className="font-medium text-indigo-700 hover:underline">
            Revoke all links
          </Link>{' '}
          on the Keys page.
        </p>
      </div>

      {query.fileId && (
        <div
          className="flex flex-wrap items-center justify-between gap-3 rounded-xl border border-slate-200 bg-white px-4 py-3"
          data-testid="links-file"
        >
          {file ? (
            <div className="min-w-0">
              <p className="text-xs font-medium tracking-wide text-slate-500 uppercase">Links to</p>
              <p className="truncate font-medium" title={file.name}>
                {file.name} <span className="font-mono text-xs font-normal text-slate-500">({file.id})</span>
              </p>
            </div>
          ) : (
            <p className="text-sm text-slate-700">
              There is no file with the id <code className="rounded bg-slate-100 px-1 font-mono">{query.fileId}</code>.
              It may have been deleted (its links with it).
            </p>
          )}
          <div className="flex items-center gap-3">
            <Link href="/admin/links" className="text-sm text-slate-600 hover:text-slate-900 hover:underline">
              Show all links
            </Link>
            {file && <ShareButton fileId={file.id} fileName={file.name} label="New link" variant="primary" />}
          </div>
        </div>
      )}

      {problem && (
        <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-4 py-2 text-sm text-red-800">
          {problem}
        </p>
      )}

      {items.length === 0 ? (
        <EmptyState forFile={Boolean(file)} paged={Boolean(query.cursor)} firstPage={href()} />
      ) : (
        <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-xs tracking-wide text-slate-500 uppercase">
              <tr>
                <th className="px-4 py-2">File</th>
                <th className="px-4 py-2">Created</th>
                <th className="px-4 py-2">Expires</th>
                <th className="px-4 py-2">Uses</th>
                <th className="px-4 py-2">Status</th>
                <th className="px-4 py-2">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((link) => (
                <LinkRow key={link.id} link={link} keyRetired={link.createdAt.getTime() < verifyingSince} />
              ))}
            </tbody>
          </table>
        </div>
      )}

      {(nextCursor || query.cursor) && (
        <nav aria-label="Pages" className="flex items-center justify-end gap-2 text-sm">
          {query.cursor && (
            <Link href={href()} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-100">
              First page
            </Link>
          )}
          {nextCursor && (
            <Link
              href={href(nextCursor)}
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

function LinkRow({ link, keyRetired }: { link: LinkListItem; keyRetired: boolean }) {
  const shown: ShownStatus = link.status === 'active' && keyRetired ? 'key_retired' : link.status;
  const status = STATUS[shown];
  return (
    <tr data-testid="link-row" data-link-id={link.id} className="align-top">
      <td className="max-w-64 px-4 py-2.5">
        <Link
          href={`/admin/links?fileId=${encodeURIComponent(link.fileId)}`}
          className="block truncate font-medium text-slate-900 hover:text-indigo-700 hover:underline"
          title={`Links to ${link.fileName}`}
        >
          {link.fileName}
        </Link>
        <span className="font-mono text-xs text-slate-500">{link.fileId}</span>
      </td>
      <td className="px-4 py-2.5 whitespace-nowrap">
        <LocalTime iso={link.createdAt.toISOString()} />
        <span className="block text-xs text-slate-500">
          {link.createdBy ? `by ${link.createdBy}` : 'from the command line'}
        </span>
      </td>
      <td className="px-4 py-2.5 whitespace-nowrap">
        <LocalTime iso={link.expiresAt.toISOString()} />
        {shown === 'active' && (
          <span className="block text-xs text-slate-500">{formatTimeLeft(link.timeLeftMs)} left</span>
        )}
      </td>
      <td className="px-4 py-2.5 whitespace-nowrap">
        <span className="tabular-nums" title={link.maxDownloads === null ? 'Unlimited until it expires' : undefined}>
          {link.downloads} / {link.maxDownloads ?? '∞'}
        </span>
        <span className="block text-xs text-slate-500">
          {link.maxDownloads === 1 ? 'one-time' : link.maxDownloads === null ? 'unlimited' : 'limited'}
        </span>
      </td>
      <td className="px-4 py-2.5">
        <span
          className={`rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset ${status.className}`}
          title={status.title}
        >
          {status.label}
        </span>
        {link.revokedAt && (
          <span className="mt-1 block text-xs text-slate-500">
            <LocalTime iso={link.revokedAt.toISOString()} />
          </span>
        )}
      </td>
      <td className="px-4 py-2 text-right">
        {shown === 'active' && <RevokeLinkButton id={link.id} fileName={link.fileName} />}
      </td>
    </tr>
  );
}

function EmptyState({ forFile, paged, firstPage }: { forFile: boolean; paged: boolean; firstPage: string }) {
  if (paged) {
    return (
      <div className="rounded-xl border border-slate-200 bg-white px-4 py-10 text-center text-sm text-slate-600">
        No more links.{' '}
        <Link href={firstPage} className="font-medium text-indigo-700 hover:underline">
          First page
        </Link>
      </div>
    );
  }
  return (
    <div
      className="rounded-xl border-2 border-dashed border-slate-300 bg-white px-6 py-12 text-center"
      data-testid="links-empty"
    >
      <svg
        aria-hidden
        viewBox="0 0 24 24"
        fill="none"
        stroke="currentColor"
        strokeWidth={1.5}
        className="mx-auto h-10 w-10 text-indigo-500"
      >
        <path
          strokeLinecap="round"
          strokeLinejoin="round"
          d="M13.19 8.688a4.5 4.5 0 0 1 1.242 7.244l-4.5 4.5a4.5 4.5 0 0 1-6.364-6.364l1.757-1.757m13.35-.622 1.757-1.757a4.5 4.5 0 0 0-6.364-6.364l-4.5 4.5a4.5 4.5 0 0 0 1.242 7.244"
        />
      </svg>
      <h2 className="mt-3 text-base font-semibold text-slate-900">
        {forFile ? 'No links to this file yet' : 'No share links yet'}
      </h2>
      <p className="mx-auto mt-1 max-w-md text-sm text-slate-600">
        {forFile ? (
          <>
            Use <strong>New link</strong> above to make one.{' '}
          </>
        ) : (
          <>
            Make one from a file&apos;s <strong>Share</strong> button on the{' '}
            <Link href="/admin" className="font-medium text-indigo-700 hover:underline">
              Files
            </Link>{' '}
            page.{' '}
          </>
        )}
        A link works without signing in, for as long as you choose (or once, or a set number of times), and you can
        revoke it here at any time.
      </p>
    </div>
  );
}

function single(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first || undefined;
}
