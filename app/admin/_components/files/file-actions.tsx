'use client';

import { useState, useTransition } from 'react';
import { deleteFileAction } from '../../files-actions';
import { CopyButton } from '../copy-button';
import { ShareButton } from '../share/share-button';

type Props = { id: string; name: string; url: string; byNameUrl: string };

/** Per-file actions: copy either link, delete after a confirmation. */
export function FileActions({ id, name, url, byNameUrl }: Props) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);

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
      <div className="flex justify-end gap-1 whitespace-nowrap">
        <ShareButton fileId={id} fileName={name} />
        <CopyButton size="sm" value={url} label="Copy link" ariaLabel={`Copy the short link of ${name}`} />
        <CopyButton size="sm" value={byNameUrl} label="Copy name link" ariaLabel={`Copy the by-name link of ${name}`} />
        <button
          type="button"
          onClick={remove}
          disabled={pending}
          aria-label={`Delete ${name}`}
          className="rounded-md px-2 py-1 text-xs text-red-700 hover:bg-red-50 disabled:opacity-60"
        >
          {pending ? 'Deleting…' : 'Delete'}
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
