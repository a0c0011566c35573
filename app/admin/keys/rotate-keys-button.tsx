'use client';

import { useState, useTransition } from 'react';
import { rotateKeysAction } from './actions';

export function RotateKeysButton() {
  const [pending, startTransition] = useTransition();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  function rotate() {
    setMessage(null);
    startTransition(async () => {
      const result = await rotateKeysAction();
      setMessage(
        result.ok
          ? { ok: true, text: `Rotated. Key ${result.value.kid} signs new links from now on.` }
          : { ok: false, text: result.message },
      );
    });
  }
  return (
    <div className="flex flex-wrap items-center gap-3">
      <button
        type="button"
        onClick={rotate}
        disabled={pending}
        className="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-800 hover:bg-slate-100 disabled:opacity-60"
      >
        {pending ? 'Rotating…' : 'Rotate now'}
      </button>
      {message && (
        <p
          role={message.ok ? 'status' : 'alert'}
          className={`text-sm ${message.ok ? 'text-emerald-700' : 'text-red-700'}`}
        >
          {message.text}
        </p>
      )}
    </div>
  );
}
