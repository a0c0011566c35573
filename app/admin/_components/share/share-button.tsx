'use client';

import { useId, useRef, useState } from 'react';
import { shareSettingsAction, type SharedLink, type ShareSettings } from '../../share-actions';
import { ShareForm } from './share-form';
import { ShareResult } from './share-result';

type Props = {
  fileId: string;
  fileName: string;
  /** The button's text; "Share" in a file row. */
  label?: string;
  /** 'row': a small outlined button for table rows; 'primary': a filled one for a page header. */
  variant?: 'row' | 'primary';
};

const BUTTON = {
  row: 'rounded-md border border-slate-300 bg-white px-2 py-1 text-xs text-slate-700 hover:bg-slate-100',
  primary: 'rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700',
} as const;

/**
 * "Share" for one file: a modal dialog that makes a share link (lifetime, one-time or limited,
 * tracked or not) and shows it with a copy button and a QR code. The server's lifetime bounds
 * are read when the dialog first opens, so a file row only needs the file's id and name.
 */
export function ShareButton({ fileId, fileName, label = 'Share', variant = 'row' }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [settings, setSettings] = useState<ShareSettings | null>(null);
  const [created, setCreated] = useState<SharedLink | null>(null);
  // A new key remounts the form, so each opening starts from the defaults.
  const [round, setRound] = useState(0);

  function open() {
    setCreated(null);
    setRound((n) => n + 1);
    dialog.current?.showModal();
    if (!settings) {
      void shareSettingsAction().then((result) => {
        // Without the bounds the form still works: the server checks LINK_MAX_TTL itself.
        if (result.ok) setSettings(result.value);
      });
    }
  }

  function close() {
    dialog.current?.close();
  }

  return (
    <>
      <button
        type="button"
        onClick={open}
        aria-label={`Share ${fileName}`}
        aria-haspopup="dialog"
        className={BUTTON[variant]}
      >
        {label}
      </button>
      <dialog
        ref={dialog}
        aria-labelledby={titleId}
        aria-modal="true"
        onClick={(event) => {
          // A click on the backdrop (the dialog element itself, outside its box) closes it.
          if (event.target === dialog.current) close();
        }}
        className="m-auto w-full max-w-lg rounded-xl border border-slate-200 p-0 text-left text-slate-900 shadow-xl backdrop:bg-slate-900/40"
      >
        <div className="flex items-start justify-between gap-4 border-b border-slate-200 px-5 py-4">
          <div className="min-w-0">
            <h2 id={titleId} className="text-base font-semibold">
              Share link
            </h2>
            <p className="truncate text-sm text-slate-600" title={fileName}>
              {fileName} <span className="font-mono text-xs text-slate-500">({fileId})</span>
            </p>
          </div>
          <button
            type="button"
            onClick={close}
            className="rounded-md px-2 py-1 text-sm text-slate-600 hover:bg-slate-100"
          >
            Close
          </button>
        </div>
        {created ? (
          <ShareResult
            link={created}
            fileId={fileId}
            fileName={fileName}
            onAnother={() => setCreated(null)}
            onDone={close}
          />
        ) : (
          <ShareForm key={round} fileId={fileId} settings={settings} onCreated={setCreated} onCancel={close} />
        )}
      </dialog>
    </>
  );
}
