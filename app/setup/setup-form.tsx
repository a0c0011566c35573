'use client';

import { useState, useTransition } from 'react';
import { completeSetupAction } from './actions';
import { formText } from '@/lib/http/form-text';

const INPUT =
  'w-full rounded-lg border border-slate-300 px-3 py-2 outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-200';

export function SetupForm({ token }: { token: string }) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);

  function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    startTransition(async () => {
      const result = await completeSetupAction({
        token,
        username: formText(form, 'username'),
        password: formText(form, 'password'),
        confirm: formText(form, 'confirm'),
      });
      if (!result.ok) return setError(result.message);
      window.location.assign('/signin?setup=done');
    });
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
      <label className="block">
        <span className="mb-1 block text-sm font-medium text-slate-700">Username</span>
        <input name="username" required autoComplete="username" className={INPUT} />
      </label>
      <label className="block">
        <span className="mb-1 block text-sm font-medium text-slate-700">Password</span>
        <input name="password" type="password" required minLength={12} autoComplete="new-password" className={INPUT} />
      </label>
      <label className="block">
        <span className="mb-1 block text-sm font-medium text-slate-700">Password again</span>
        <input name="confirm" type="password" required minLength={12} autoComplete="new-password" className={INPUT} />
      </label>
      {error && (
        <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
          {error}
        </p>
      )}
      <button
        type="submit"
        disabled={pending}
        className="w-full rounded-lg bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700 disabled:opacity-60"
      >
        {pending ? 'Creating…' : 'Create admin'}
      </button>
    </form>
  );
}
