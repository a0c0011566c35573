'use client';

import { useState, useTransition } from 'react';
import { revokeLinkAction } from './actions';

export function RevokeLinkButton({ id, fileName }: { id: string; fileName: string }) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  function revoke() {
    if (
      !window.confirm(
        `Revoke this link to "${fileName}"? Whoever has it gets "This link was revoked" from now on. This cannot be undone.`,
      )
    )
      return;
    setError(null);
    startTransition(async () => {
      const result = await revokeLinkAction(id);
      if (!result.ok) setError(result.message);
    });
  }
  return (
    <div className="flex flex-col items-end gap-1">
      <button
        type="button"
        onClick={revoke}
        disabled={pending}
        aria-label={`Revoke link ${id} to ${fileName}`}
        className="rounded-md px-2.5 py-1 text-sm text-red-700 hover:bg-red-50 disabled:opacity-60"
      >
        {pending ? 'Revoking…' : 'Revoke'}
      </button>
      {error && (
        <p role="alert" className="max-w-48 text-right text-xs text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}
