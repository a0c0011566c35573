'use client';

import Link from 'next/link';
import { useRef, useState, useTransition } from 'react';
import type { DownloadHistory } from '@/lib/audit/download-history';
import { downloadHistoryAction } from '../logs/actions';
import { LocalTime } from './local-time';

type Props = {
  fileId: string;
  name: string;
  /** What the button shows, e.g. the download count; default "History". */
  children?: React.ReactNode;
};

/**
 * "Who downloaded this file": a button for a row of the file list that opens a dialog with the
 * file's newest downloads from the audit log (when, who, through which link, from which IP),
 * read when it opens, so it is never stale.
 */
export function DownloadHistoryButton({ fileId, name, children }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [pending, startTransition] = useTransition();
  const [history, setHistory] = useState<DownloadHistory | null>(null);
  const [error, setError] = useState<string | null>(null);

  function open() {
    setError(null);
    dialog.current?.showModal();
    startTransition(async () => {
      const result = await downloadHistoryAction(fileId);
      if (result.ok) setHistory(result.value);
      else setError(result.message);
    });
  }

  const logHref = (extra: string) => `/admin/logs?fileId=${encodeURIComponent(fileId)}${extra}`;

  return (
    <>
      <button
        type="button"
        onClick={open}
        aria-label={`Download history of ${name}`}
        title="Who downloaded it"
        className={
          children === undefined
            ? 'rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm text-slate-700 hover:bg-slate-100'
            : 'rounded px-1 text-indigo-700 tabular-nums underline decoration-dotted underline-offset-2 hover:bg-indigo-50'
        }
      >
        {children ?? 'History'}
      </button>
      <dialog
        ref={dialog}
        aria-labelledby={`download-history-${fileId}`}
        onClick={(event) => {
          // A click on the backdrop (the dialog element itself, outside its box) closes it.
          if (event.target === dialog.current) dialog.current.close();
        }}
        className="m-auto w-full max-w-2xl rounded-xl border border-slate-200 p-0 text-left shadow-xl backdrop:bg-slate-900/40"
      >
        <div className="flex items-start justify-between gap-4 border-b border-slate-200 px-5 py-4">
          <div className="min-w-0">
            <h2 id={`download-history-${fileId}`} className="text-base font-semibold text-slate-900">
              Downloads
            </h2>
            <p className="truncate text-sm text-slate-600" title={name}>
              {name} <span className="font-mono text-xs text-slate-500">({fileId})</span>
            </p>
          </div>
          <button
            type="button"
            onClick={() => dialog.current?.close()}
            className="rounded-md px-2 py-1 text-sm text-slate-600 hover:bg-slate-100"
            aria-label="Close"
          >
            Close
          </button>
        </div>
        <div className="max-h-[60vh] overflow-y-auto px-5 py-4">
          {error ? (
            <p role="alert" className="text-sm text-red-700">
              {error}
            </p>
          ) : !history || (pending && history.items.length === 0) ? (
            <p className="text-sm text-slate-500">Loading…</p>
          ) : history.items.length === 0 ? (
            <p className="text-sm text-slate-600">Nobody has downloaded this file yet.</p>
          ) : (
            <table className="w-full text-left text-sm" data-testid="download-history">
              <thead className="text-xs tracking-wide text-slate-500 uppercase">
                <tr>
                  <th className="py-1.5 pr-3">When</th>
                  <th className="py-1.5 pr-3">Who</th>
                  <th className="py-1.5 pr-3">Via</th>
                  <th className="py-1.5">IP</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {history.items.map((item) => (
                  <tr key={item.id}>
                    <td className="py-1.5 pr-3 whitespace-nowrap text-slate-700">
                      <LocalTime iso={item.at} />
                    </td>
                    <td className="py-1.5 pr-3">
                      {item.anonymized ? (
                        <span className="rounded-full bg-slate-200 px-2 py-0.5 text-xs font-medium text-slate-600">
                          anonymized
                        </span>
                      ) : item.via === 'link' ? (
                        <span className="text-slate-600">link recipient</span>
                      ) : (
                        (item.user ?? '—')
                      )}
                    </td>
                    <td className="py-1.5 pr-3 text-xs text-slate-600">
                      {item.via === 'direct' ? (
                        'direct'
                      ) : item.linkId ? (
                        <span>
                          link <span className="font-mono">{item.linkId}</span>
                        </span>
                      ) : (
                        'untracked link'
                      )}
                      {item.resumed && ' (resumed)'}
                    </td>
                    <td className="py-1.5 font-mono text-xs whitespace-nowrap">
                      {item.anonymized ? '—' : (item.ip ?? '—')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {history?.more && <p className="mt-3 text-xs text-slate-500">Showing the newest {history.items.length}.</p>}
        </div>
        <div className="flex justify-end gap-4 border-t border-slate-200 px-5 py-3 text-sm">
          <Link href={logHref('')} className="text-slate-600 hover:text-slate-900 hover:underline">
            All log entries for this file
          </Link>
          <Link href={logHref('&action=download')} className="font-medium text-indigo-700 hover:underline">
            Downloads in the audit log
          </Link>
        </div>
      </dialog>
    </>
  );
}
