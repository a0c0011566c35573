'use client';

import { useTransition } from 'react';
import { revokeTokenAction } from './actions';

export function RevokeTokenButton({ id, name }: { id: string; name: string }) {
  const [pending, startTransition] = useTransition();
  function revoke() {
    if (!window.confirm(`Revoke the token "${name}"? Applications using it stop working at once.`)) return;
    startTransition(async () => {
      const result = await revokeTokenAction(id);
      if (!result.ok) window.alert(result.message);
    });
  }
  return (
    <button
      type="button"
      onClick={revoke}
      disabled={pending}
      className="rounded-md px-2.5 py-1 text-sm text-red-700 hover:bg-red-50 disabled:opacity-60"
    >
      {pending ? 'Revoking…' : 'Revoke'}
    </button>
  );
}
