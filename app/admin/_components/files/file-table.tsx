import Link from 'next/link';
import { formatSize } from '@/lib/env/units';
import { LocalTime } from '../local-time';
import { FileActions } from './file-actions';
import { VisibilityToggle } from './visibility-toggle';
import { DownloadHistoryButton } from '../download-history';

export type FileRow = {
  id: string;
  name: string;
  size: number;
  type: string;
  visibility: 'public' | 'private';
  uploadedAt: string;
  downloads: number;
  url: string;
  byNameUrl: string;
};

export type ListState = {
  q?: string;
  sort: 'date' | 'name' | 'size';
  order: 'asc' | 'desc';
  cursor?: string;
  /** Page size, when not the default. */
  limit?: number;
};

/** `/admin?...` for a list state; the defaults are left out so URLs stay short. */
export function listHref({ q, sort, order, cursor, limit }: ListState): string {
  const params = new URLSearchParams();
  if (q) params.set('q', q);
  if (sort !== 'date') params.set('sort', sort);
  const defaultOrder = sort === 'name' ? 'asc' : 'desc';
  if (order !== defaultOrder) params.set('order', order);
  if (limit) params.set('limit', String(limit));
  if (cursor) params.set('cursor', cursor);
  const query = params.toString();
  return query ? `/admin?${query}` : '/admin';
}

export function FileTable({ files, state }: { files: FileRow[]; state: ListState }) {
  return (
    <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white">
      <table className="w-full text-left text-sm">
        <thead className="bg-slate-50 text-xs tracking-wide text-slate-500 uppercase">
          <tr>
            <SortHeader label="Name" sort="name" state={state} />
            <th className="px-3 py-2">Id</th>
            <SortHeader label="Size" sort="size" state={state} align="right" />
            <th className="px-3 py-2">Type</th>
            <th className="px-3 py-2">Visibility</th>
            <SortHeader label="Uploaded" sort="date" state={state} />
            <th className="px-3 py-2 text-right">Downloads</th>
            <th className="px-3 py-2">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {files.map((file) => (
            <tr key={file.id} data-testid="file-row" className="align-middle hover:bg-slate-50/60">
              <td className="max-w-[16rem] px-3 py-2">
                <span className="block truncate font-medium text-slate-900" title={file.name}>
                  {file.name}
                </span>
              </td>
              <td className="px-3 py-2">
                <code
                  className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700"
                  data-testid="file-id"
                >
                  {file.id}
                </code>
              </td>
              <td
                className="px-3 py-2 text-right whitespace-nowrap tabular-nums"
                title={`${file.size.toLocaleString('en')} bytes`}
              >
                {formatSize(file.size)}
              </td>
              <td className="max-w-[9rem] px-3 py-2">
                <span className="block truncate text-xs text-slate-500" title={file.type}>
                  {file.type}
                </span>
              </td>
              <td className="px-3 py-2">
                <VisibilityToggle id={file.id} name={file.name} visibility={file.visibility} />
              </td>
              <td className="px-3 py-2 whitespace-nowrap text-slate-600">
                <LocalTime iso={file.uploadedAt} />
              </td>
              <td className="px-3 py-2 text-right tabular-nums">
                <DownloadHistoryButton fileId={file.id} name={file.name}>
                  {file.downloads}
                </DownloadHistoryButton>
              </td>
              <td className="px-3 py-2 whitespace-nowrap">
                <FileActions id={file.id} name={file.name} url={file.url} byNameUrl={file.byNameUrl} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SortHeader({
  label,
  sort,
  state,
  align = 'left',
}: {
  label: string;
  sort: ListState['sort'];
  state: ListState;
  align?: 'left' | 'right';
}) {
  const active = state.sort === sort;
  const defaultOrder = sort === 'name' ? 'asc' : 'desc';
  // A click on the active column flips it; on another column starts with that column's default.
  const order = active ? (state.order === 'asc' ? 'desc' : 'asc') : defaultOrder;
  const arrow = active ? (state.order === 'asc' ? '↑' : '↓') : '';
  return (
    <th
      className={`px-3 py-2 ${align === 'right' ? 'text-right' : ''}`}
      aria-sort={active ? (state.order === 'asc' ? 'ascending' : 'descending') : undefined}
    >
      <Link
        href={listHref({ q: state.q, sort, order, limit: state.limit })}
        className={`inline-flex items-center gap-1 uppercase hover:text-slate-900 ${active ? 'text-slate-900' : ''}`}
        title={`Sort by ${label.toLowerCase()}`}
      >
        {label}
        <span aria-hidden className="w-2">
          {arrow}
        </span>
      </Link>
    </th>
  );
}
