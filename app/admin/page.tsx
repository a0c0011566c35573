import type { Metadata } from 'next';
import Link from 'next/link';
import { Suspense } from 'react';
import { requireAdminPage } from '@/lib/auth/current-admin';
import { env } from '@/lib/env';
import { formatDuration, formatSize } from '@/lib/env/units';
import { isAppError } from '@/lib/errors';
import {
  LIST_LIMIT_DEFAULT,
  fileByNameUrl,
  listFiles,
  listFilesQuerySchema,
  searchParamsToObject,
  serializeFile,
  type FileRecord,
} from '@/lib/files';
import { FileSearch } from './_components/files/file-search';
import { FileTable, listHref, type FileRow, type ListState } from './_components/files/file-table';
import { UploadManager } from './_components/files/upload-manager';

export const metadata: Metadata = { title: 'Files' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function FilesPage({ searchParams }: { searchParams: SearchParams }) {
  await requireAdminPage();
  const config = env();
  const { state, files, nextCursor, problem } = await loadPage(await searchParams);
  const searching = Boolean(state.q);
  const firstPage = !state.cursor;

  return (
    <section className="space-y-6">
      <UploadManager
        chunkSize={config.uploadChunkSize}
        maxUploadSize={config.maxUploadSize}
        uploadExpiryMs={config.uploadExpiryMs}
        defaultVisibility={config.defaultVisibility}
      >
        <h1 className="text-2xl font-semibold">Files</h1>
        <p className="mt-1 max-w-2xl text-sm text-slate-600">
          New files are {config.defaultVisibility}. Public files download by anyone at their short link; private ones
          only with your session or a share link.
        </p>
      </UploadManager>

      <div className="flex flex-wrap items-center justify-between gap-3">
        <Suspense>
          <FileSearch initial={state.q ?? ''} />
        </Suspense>
        <p className="text-xs text-slate-500">
          Uploads go up in {formatSize(config.uploadChunkSize)} pieces and resume after a dropped connection; unfinished
          ones are removed after {inWords(config.uploadExpiryMs)}.
        </p>
      </div>

      {problem && (
        <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-4 py-2 text-sm text-red-800">
          {problem}{' '}
          <Link href={listHref({ ...state, cursor: undefined })} className="font-medium underline">
            Back to the first page
          </Link>
        </p>
      )}

      {files.length === 0 && firstPage && !searching ? (
        <EmptyState defaultVisibility={config.defaultVisibility} />
      ) : files.length === 0 ? (
        <div className="rounded-xl border border-slate-200 bg-white px-4 py-10 text-center text-sm text-slate-600">
          {searching ? (
            <>
              No file name or id matches <strong className="text-slate-900">“{state.q}”</strong>.{' '}
              <Link
                href={listHref({ sort: state.sort, order: state.order, limit: state.limit })}
                className="font-medium text-indigo-700 hover:underline"
              >
                Clear the search
              </Link>
            </>
          ) : (
            <>
              No more files.{' '}
              <Link
                href={listHref({ ...state, cursor: undefined })}
                className="font-medium text-indigo-700 hover:underline"
              >
                First page
              </Link>
            </>
          )}
        </div>
      ) : (
        <FileTable files={files} state={state} />
      )}

      {(nextCursor || !firstPage) && (
        <nav aria-label="Pages" className="flex items-center justify-end gap-2 text-sm">
          {!firstPage && (
            <Link
              href={listHref({ ...state, cursor: undefined })}
              className="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-100"
            >
              First page
            </Link>
          )}
          {nextCursor && (
            <Link
              href={listHref({ ...state, cursor: nextCursor })}
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

async function loadPage(raw: Record<string, string | string[] | undefined>) {
  const parsed = listFilesQuerySchema.safeParse(searchParamsToObject(raw));
  // A hand-edited URL (say ?sort=colour) shows the default list and says why.
  const query = parsed.success ? parsed.data : listFilesQuerySchema.parse({});
  let problem = parsed.success ? null : 'That list address is not valid, so the newest files are shown.';
  const state: ListState = {
    q: query.q || undefined,
    sort: query.sort,
    order: query.order,
    cursor: query.cursor,
    limit: query.limit === LIST_LIMIT_DEFAULT ? undefined : query.limit,
  };
  let result;
  try {
    result = await listFiles(query);
  } catch (error) {
    if (!isAppError(error)) throw error;
    // A cursor from another sort order or an old bookmark: start again at the top.
    problem = error.message;
    state.cursor = undefined;
    result = await listFiles({ ...query, cursor: undefined });
  }
  return { state, files: result.items.map(toRow), nextCursor: result.nextCursor, problem };
}

function toRow(file: FileRecord): FileRow {
  return { ...serializeFile(file), byNameUrl: fileByNameUrl(file.name) };
}

const UNIT_WORDS: Record<string, string> = { d: 'day', h: 'hour', m: 'minute', s: 'second' };

/** "1 day", "12 hours": UPLOAD_EXPIRY for the page. */
function inWords(ms: number): string {
  const match = /^(\d+)([dhms])$/.exec(formatDuration(ms));
  if (!match) return formatDuration(ms);
  const count = Number(match[1]);
  return `${count} ${UNIT_WORDS[match[2]]}${count === 1 ? '' : 's'}`;
}

function EmptyState({ defaultVisibility }: { defaultVisibility: 'public' | 'private' }) {
  return (
    <div
      className="rounded-xl border-2 border-dashed border-slate-300 bg-white px-6 py-14 text-center"
      data-testid="files-empty"
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
          d="M12 16.5V4.5m0 0-4.5 4.5M12 4.5l4.5 4.5M4.5 15v3.75A1.5 1.5 0 0 0 6 20.25h12a1.5 1.5 0 0 0 1.5-1.5V15"
        />
      </svg>
      <h2 className="mt-3 text-base font-semibold text-slate-900">No files yet</h2>
      <p className="mx-auto mt-1 max-w-md text-sm text-slate-600">
        Drop files anywhere on this page, or use <strong>Choose files</strong> to upload.{' '}
        {defaultVisibility === 'private'
          ? 'Files are private until you make them public; share private files with links.'
          : 'New files are public: anyone with the short link can download them. Make a file private to share it only with links.'}
      </p>
    </div>
  );
}
