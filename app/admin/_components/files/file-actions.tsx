'use client';

import { useState, useTransition } from 'react';
import { deleteFileAction, setVisibilityAction } from '../../files-actions';
import { CopyButton } from '../copy-button';

type Props = { id: string; name: string; visibility: 'public' | 'private'; url: string; byNameUrl: string };

/** Per-file actions: copy either link, make public or private, delete after a confirmation. */
export function FileActions({ id, name, visibility, url, byNameUrl }: Props) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const next = visibility === 'public' ? 'private' : 'public';

  function toggle() {
    setError(null);
    startTransition(async () => {
      const result = await setVisibilityAction({ id, visibility: next });
      if (!result.ok) setError(result.message);
    });
  }

  function remove() {
    if (!window.confirm(`Delete "${name}"? Its links stop working at once. This cannot be undone.`)) return;
    setError(null);
    startTransition(async () => {
      const result = await deleteFileAction(id);
      if (!result.ok) setError(result.message);
    });
  }

  return (
    <div className="flex flex-col items-end gap-1">
      <div className="flex flex-wrap justify-end gap-1">
        <CopyButton value={url} label="Copy link" />
        <CopyButton value={byNameUrl} label="Copy name link" />
        <button
          type="button"
          onClick={toggle}
          disabled={pending}
          aria-label={`Make ${name} ${next}`}
          className="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm text-slate-700 hover:bg-slate-100 disabled:opacity-60"
        >
          {next === 'public' ? 'Make public' : 'Make private'}
        </button>
        <button
          type="button"
          onClick={remove}
          disabled={pending}
          aria-label={`Delete ${name}`}
          className="rounded-md px-2.5 py-1 text-sm text-red-700 hover:bg-red-50 disabled:opacity-60"
        >
          Delete
        </button>
      </div>
      {error && (
        <p role="alert" className="text-xs text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}
