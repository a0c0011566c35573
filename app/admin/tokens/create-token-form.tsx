'use client';

import { useState, useTransition } from 'react';
import { CopyButton } from '../_components/copy-button';
import { createTokenAction } from './actions';
import { formText } from '@/lib/http/form-text';

const EXPIRY = [
  { value: '30d', label: '30 days' },
  { value: '90d', label: '90 days' },
  { value: '365d', label: '1 year' },
  { value: 'never', label: 'Never' },
];

export function CreateTokenForm() {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);

  function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    setError(null);
    startTransition(async () => {
      const result = await createTokenAction({
        name: formText(form, 'name'),
        expires: formText(form, 'expires'),
      });
      if (!result.ok) return setError(result.message);
      setCreated(result.value);
      formElement.reset();
    });
  }

  return (
    <div className="rounded-xl border border-slate-200 bg-white p-4">
      <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3">
        <label className="block">
          <span className="mb-1 block text-sm font-medium text-slate-700">Name</span>
          <input
            name="name"
            placeholder="e.g. contract-portal"
            required
            maxLength={64}
            className="w-64 rounded-lg border border-slate-300 px-3 py-2 text-sm outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-200"
          />
        </label>
        <label className="block">
          <span className="mb-1 block text-sm font-medium text-slate-700">Expires after</span>
          <select name="expires" defaultValue="90d" className="rounded-lg border border-slate-300 px-3 py-2 text-sm">
            {EXPIRY.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <button
          type="submit"
          disabled={pending}
          className="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60"
        >
          {pending ? 'Creating…' : 'Create token'}
        </button>
      </form>
      {error && (
        <p role="alert" className="mt-3 text-sm text-red-700">
          {error}
        </p>
      )}
      {created && (
        <div className="mt-4 rounded-lg border border-amber-200 bg-amber-50 p-3" data-testid="new-token">
          <p className="text-sm font-medium text-amber-900">Copy this token now. It will not be shown again.</p>
          <div className="mt-2 flex items-center gap-2">
            <code
              className="flex-1 rounded bg-white px-2 py-1 font-mono text-sm break-all"
              data-testid="new-token-value"
            >
              {created}
            </code>
            <CopyButton value={created} />
          </div>
        </div>
      )}
    </div>
  );
}
