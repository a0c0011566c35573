'use client';

import { useId, useRef, useState, useTransition } from 'react';
import { retireAllKeysAction } from './actions';

/** The emergency stop, behind a dialog that says exactly what it does. */
export function RevokeAllLinksButton() {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  function open() {
    setError(null);
    dialog.current?.showModal();
    // The safe choice has the focus: Enter does not end every link.
    cancel.current?.focus();
  }

  function confirm() {
    setError(null);
    startTransition(async () => {
      const result = await retireAllKeysAction();
      if (!result.ok) return setError(result.message);
      dialog.current?.close();
      setDone(
        `Done. Every link made before ${new Date().toLocaleString()} is refused; key ${result.value.kid} signs new links.`,
      );
    });
  }

  return (
    <>
      <div className="flex flex-wrap items-center gap-3">
        <button
          type="button"
          onClick={open}
          className="rounded-lg border border-red-300 bg-white px-4 py-2 text-sm font-medium text-red-700 hover:bg-red-50"
        >
          Revoke all links…
        </button>
        {done && (
          <p role="status" className="text-sm text-emerald-700">
            {done}
          </p>
        )}
      </div>
      <dialog
        ref={dialog}
        aria-labelledby={titleId}
        aria-modal="true"
        className="m-auto w-full max-w-lg rounded-xl border border-slate-200 p-0 text-left text-slate-900 shadow-xl backdrop:bg-slate-900/40"
      >
        <div className="px-5 pt-5">
          <h2 id={titleId} className="text-lg font-semibold">
            Revoke all links?
          </h2>
          <ul className="mt-3 list-disc space-y-1.5 pl-5 text-sm text-slate-700">
            <li>
              <strong>Every share link made until now stops working</strong>: tracked and untracked, one-time, limited
              and unlimited. Whoever opens one is told the link is not valid.
            </li>
            <li>Links you make afterwards work as usual: they are signed with a new key.</li>
            <li>
              Files are not touched. Public files stay downloadable at their own addresses, and API tokens and sign-ins
              keep working.
            </li>
            <li>
              This server refuses the old links at once; other server processes sharing the database within 5 seconds
              (the longest one keeps its copy of the keys).
            </li>
          </ul>
          <p className="mt-3 text-sm font-medium text-red-700">This cannot be undone.</p>
          {error && (
            <p role="alert" className="mt-3 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
              {error}
            </p>
          )}
        </div>
        <div className="mt-5 flex justify-end gap-2 border-t border-slate-200 px-5 py-3">
          <button
            ref={cancel}
            type="button"
            onClick={() => dialog.current?.close()}
            className="rounded-lg px-3 py-2 text-sm text-slate-700 hover:bg-slate-100"
          >
            Cancel
          </button>
          <button
            type="button"
            onClick={confirm}
            disabled={pending}
            className="rounded-lg bg-red-600 px-4 py-2 text-sm font-medium text-white hover:bg-red-700 disabled:opacity-60"
          >
            {pending ? 'Revoking…' : 'Revoke all links'}
          </button>
        </div>
      </dialog>
    </>
  );
}
