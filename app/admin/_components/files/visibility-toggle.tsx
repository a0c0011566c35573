'use client';

import { useState, useTransition } from 'react';
import { setVisibilityAction } from '../../files-actions';

/** The file's visibility as a switch: it shows the state (the badge) and changes it (one click). */
export function VisibilityToggle({
  id,
  name,
  visibility,
}: {
  id: string;
  name: string;
  visibility: 'public' | 'private';
}) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const isPublic = visibility === 'public';

  function toggle() {
    setError(null);
    startTransition(async () => {
      const result = await setVisibilityAction({ id, visibility: isPublic ? 'private' : 'public' });
      if (!result.ok) setError(result.message);
    });
  }

  return (
    <div>
      <button
        type="button"
        role="switch"
        aria-checked={isPublic}
        aria-label={`Public: ${name}`}
        onClick={toggle}
        disabled={pending}
        title={
          isPublic
            ? 'Anyone with the short link can download it. Click to make it private.'
            : 'Only you and share links can download it. Click to make it public.'
        }
        className={`group inline-flex items-center gap-1.5 rounded-full py-0.5 pr-2 pl-0.5 text-xs font-medium ring-1 transition-colors disabled:opacity-60 ${
          isPublic
            ? 'bg-emerald-50 text-emerald-700 ring-emerald-200 hover:bg-emerald-100'
            : 'bg-slate-100 text-slate-600 ring-slate-200 hover:bg-slate-200'
        }`}
      >
        <span
          aria-hidden
          className={`relative inline-flex h-4 w-7 shrink-0 rounded-full transition-colors ${isPublic ? 'bg-emerald-500' : 'bg-slate-300'}`}
        >
          <span
            className={`absolute top-0.5 h-3 w-3 rounded-full bg-white shadow transition-transform ${isPublic ? 'translate-x-3.5' : 'translate-x-0.5'}`}
          />
        </span>
        <span data-testid="visibility">{isPublic ? 'Public' : 'Private'}</span>
      </button>
      {error && (
        <p role="alert" className="mt-1 text-xs text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}
