'use client';

import { useState } from 'react';
import { formText } from '@/lib/http/form-text';

type Status = { kind: 'idle' } | { kind: 'busy' } | { kind: 'error'; message: string };

export function SignInForm({ callbackUrl }: { callbackUrl: string }) {
  const [status, setStatus] = useState<Status>({ kind: 'idle' });

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setStatus({ kind: 'busy' });
    try {
      const csrf = await fetch('/api/auth/csrf').then((r) => r.json() as Promise<{ csrfToken: string }>);
      const body = new URLSearchParams({
        username: formText(form, 'username'),
        password: formText(form, 'password'),
        csrfToken: csrf.csrfToken,
        callbackUrl,
        json: 'true',
      });
      const response = await fetch('/api/auth/callback/credentials', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
      });
      const data = (await response.json().catch(() => ({}))) as { url?: string; error?: { message?: string } };
      if (response.status === 429) {
        setStatus({ kind: 'error', message: data.error?.message ?? 'Too many failed sign-ins. Try again later.' });
        return;
      }
      if (!response.ok || !data.url || data.url.includes('error=')) {
        setStatus({ kind: 'error', message: 'Wrong username or password.' });
        return;
      }
      window.location.assign(callbackUrl);
    } catch {
      setStatus({ kind: 'error', message: 'The server could not be reached. Check your connection and try again.' });
    }
  }

  const busy = status.kind === 'busy';
  return (
    <form
      onSubmit={(event) => void onSubmit(event)}
      className="space-y-4 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm"
    >
      <label className="block">
        <span className="mb-1 block text-sm font-medium text-slate-700">Username</span>
        <input
          name="username"
          autoComplete="username"
          required
          autoFocus
          className="w-full rounded-lg border border-slate-300 px-3 py-2 outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-200"
        />
      </label>
      <label className="block">
        <span className="mb-1 block text-sm font-medium text-slate-700">Password</span>
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          required
          className="w-full rounded-lg border border-slate-300 px-3 py-2 outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-200"
        />
      </label>
      {status.kind === 'error' && (
        <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
          {status.message}
        </p>
      )}
      <button
        type="submit"
        disabled={busy}
        className="w-full rounded-lg bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700 disabled:opacity-60"
      >
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
