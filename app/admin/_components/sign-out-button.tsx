'use client';

import { useState } from 'react';
import { signOutEverywhereAction } from '../account-actions';

/** next-auth's sign-out: clears the cookie, and the server records this session as ended. */
async function signOutHere() {
  const { csrfToken } = await fetch('/api/auth/csrf').then((r) => r.json() as Promise<{ csrfToken: string }>);
  await fetch('/api/auth/signout', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrfToken, json: 'true' }),
  });
}

export function SignOutButton() {
  const [busy, setBusy] = useState(false);
  async function signOut() {
    setBusy(true);
    await signOutHere();
    window.location.assign('/signin');
  }
  return (
    <button
      type="button"
      onClick={() => void signOut()}
      disabled={busy}
      className="rounded-md border border-slate-300 px-3 py-1.5 text-slate-700 hover:bg-slate-100 disabled:opacity-60"
    >
      Sign out
    </button>
  );
}

export function SignOutEverywhereButton() {
  const [busy, setBusy] = useState(false);
  async function signOutEverywhere() {
    if (!window.confirm('Sign out on every device, this one included? API tokens stay valid.')) return;
    setBusy(true);
    const result = await signOutEverywhereAction();
    if (!result.ok) window.alert(result.message);
    await signOutHere().catch(() => undefined);
    window.location.assign('/signin');
  }
  return (
    <button
      type="button"
      onClick={() => void signOutEverywhere()}
      disabled={busy}
      title="End every session of your account, on every device"
      className="rounded-md px-2 py-1.5 text-slate-500 hover:bg-slate-100 hover:text-slate-700 disabled:opacity-60"
    >
      Sign out everywhere
    </button>
  );
}
