'use client';

import Link from 'next/link';
import { useEffect, useId, useRef, useState } from 'react';
import type { SharedLink } from '../../share-actions';
import { CopyButton } from '../copy-button';
import { LocalTime } from '../local-time';
import { formatTimeLeft } from './time-left';

type Props = {
  link: SharedLink;
  fileId: string;
  fileName: string;
  onAnother: () => void;
  onDone: () => void;
};

/** A link just made: the URL to copy, when it expires, how often it works, and its QR code. */
export function ShareResult({ link, fileId, fileName, onAnother, onDone }: Props) {
  const urlId = useId();
  const urlField = useRef<HTMLInputElement>(null);
  // Shown only after the action answered, so reading the clock here cannot break hydration.
  const [timeLeft] = useState(() => formatTimeLeft(new Date(link.expiresAt).getTime() - Date.now()));

  useEffect(() => {
    urlField.current?.focus();
    urlField.current?.select();
  }, []);

  const uses =
    link.maxDownloads === null
      ? 'Any number of times until it expires'
      : link.maxDownloads === 1
        ? 'Once (one-time link)'
        : `Up to ${link.maxDownloads.toLocaleString('en')} downloads`;

  return (
    <div data-testid="share-result">
      <div className="space-y-4 px-5 py-4">
        <p role="status" className="text-sm font-medium text-emerald-700">
          Link created. Anyone who has it can download the file without signing in.
        </p>
        <div>
          <label htmlFor={urlId} className="mb-1 block text-sm font-medium text-slate-800">
            Link
          </label>
          <div className="flex gap-2">
            <input
              id={urlId}
              ref={urlField}
              readOnly
              value={link.url}
              onFocus={(event) => event.currentTarget.select()}
              className="min-w-0 flex-1 rounded-lg border border-slate-300 bg-slate-50 px-2.5 py-1.5 font-mono text-xs text-slate-800 outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-200"
            />
            <CopyButton value={link.url} label="Copy link" ariaLabel="Copy the share link" />
          </div>
        </div>
        <div className="flex gap-5">
          <dl className="min-w-0 flex-1 space-y-3 text-sm">
            <div>
              <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase">Expires</dt>
              <dd className="text-slate-800">
                <LocalTime iso={link.expiresAt} /> <span className="text-slate-500">(in {timeLeft})</span>
              </dd>
            </div>
            <div>
              <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase">Works</dt>
              <dd className="text-slate-800" data-testid="share-result-uses">
                {uses}
              </dd>
            </div>
            <div>
              <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase">Revoking</dt>
              <dd className="text-slate-800">
                {link.tracked ? (
                  <>
                    Tracked:{' '}
                    <Link
                      href={`/admin/links?fileId=${encodeURIComponent(fileId)}`}
                      className="font-medium text-indigo-700 hover:underline"
                    >
                      revoke it on the Links page
                    </Link>
                    .
                  </>
                ) : (
                  <>Untracked: only “Revoke all links” on the Keys page stops it early.</>
                )}
              </dd>
            </div>
          </dl>
          <figure className="shrink-0 text-center">
            {/* A data: URL drawn on the server: no request leaves the page. */}
            <img
              src={link.qrDataUrl}
              alt={`QR code of the link to ${fileName}`}
              width={160}
              height={160}
              className="rounded-md border border-slate-200"
              data-testid="share-qr"
            />
            <figcaption className="mt-1">
              <a
                href={link.qrDataUrl}
                download={`${fileName}-link-qr.png`}
                className="text-xs text-indigo-700 hover:underline"
              >
                Save QR code
              </a>
            </figcaption>
          </figure>
        </div>
      </div>
      <div className="flex justify-end gap-2 border-t border-slate-200 px-5 py-3">
        <button
          type="button"
          onClick={onAnother}
          className="rounded-lg px-3 py-2 text-sm text-slate-700 hover:bg-slate-100"
        >
          Make another link
        </button>
        <button
          type="button"
          onClick={onDone}
          className="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700"
        >
          Done
        </button>
      </div>
    </div>
  );
}
