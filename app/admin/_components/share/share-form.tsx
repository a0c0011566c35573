'use client';

import { useEffect, useId, useRef, useState, useTransition } from 'react';
import { LINK_TTL_PRESETS, MAX_DOWNLOADS_LIMIT } from '@/lib/links/schemas';
import { createShareLinkAction, type SharedLink, type ShareSettings } from '../../share-actions';
import {
  describeSeconds,
  initialTtlState,
  TTL_UNITS,
  ttlSecondsOf,
  type TtlState,
  type TtlUnit,
} from './link-lifetime';

type Access = 'unlimited' | 'once' | 'limited';

type Props = {
  fileId: string;
  settings: ShareSettings | null;
  onCreated: (link: SharedLink) => void;
  onCancel: () => void;
};

const PILL =
  'flex cursor-pointer items-center justify-center rounded-lg border border-slate-300 px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-50 ' +
  'has-checked:border-indigo-600 has-checked:bg-indigo-50 has-checked:font-medium has-checked:text-indigo-800 ' +
  'has-focus-visible:ring-2 has-focus-visible:ring-indigo-300 has-disabled:cursor-not-allowed has-disabled:opacity-50';
const OPTION =
  'flex cursor-pointer gap-3 rounded-lg border border-slate-200 px-3 py-2.5 hover:bg-slate-50 ' +
  'has-checked:border-indigo-600 has-checked:bg-indigo-50/60 has-disabled:cursor-not-allowed has-disabled:opacity-50';
const INPUT =
  'rounded-lg border border-slate-300 px-2.5 py-1.5 text-sm outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-200';

/** The choices of a new link: lifetime, who may download how often, tracked or not. */
export function ShareForm({ fileId, settings, onCreated, onCancel }: Props) {
  const ids = useId();
  const form = useRef<HTMLFormElement>(null);
  const [ttl, setTtl] = useState<TtlState>(() => initialTtlState(settings?.defaultTtlSeconds ?? null));
  const [access, setAccess] = useState<Access>('unlimited');
  const [limit, setLimit] = useState('3');
  const [untracked, setUntracked] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const maxTtl = settings?.maxTtlSeconds ?? null;

  // Opening the dialog mounts this form: start at the lifetime choice.
  useEffect(() => {
    form.current?.querySelector<HTMLInputElement>('input[name="ttl"]:checked')?.focus();
  }, []);

  // The settings arrive after the first opening: pick the server's default lifetime then.
  const [defaultApplied, setDefaultApplied] = useState(settings !== null);
  if (settings && !defaultApplied) {
    setDefaultApplied(true);
    setTtl(initialTtlState(settings.defaultTtlSeconds));
  }

  function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    const lifetime = ttlSecondsOf(ttl, maxTtl);
    if ('problem' in lifetime) return setError(lifetime.problem);
    const maxDownloads = untracked || access === 'unlimited' ? null : access === 'once' ? 1 : Number(limit);
    if (
      maxDownloads !== null &&
      (!Number.isInteger(maxDownloads) || maxDownloads < 1 || maxDownloads > MAX_DOWNLOADS_LIMIT)
    ) {
      return setError(`Enter a whole number of downloads from 1 to ${MAX_DOWNLOADS_LIMIT.toLocaleString('en')}.`);
    }
    startTransition(async () => {
      const result = await createShareLinkAction({
        fileId,
        link: { ttlSeconds: lifetime.seconds, maxDownloads, tracked: !untracked },
      });
      if (result.ok) onCreated(result.value);
      else setError(result.message);
    });
  }

  const setUnit = (unit: TtlUnit) => setTtl((state) => ({ ...state, unit }));

  return (
    <form ref={form} onSubmit={submit} noValidate>
      <div className="space-y-5 px-5 py-4">
        <fieldset>
          <legend className="mb-2 text-sm font-medium text-slate-800">Expires after</legend>
          <div className="grid grid-cols-5 gap-2">
            {LINK_TTL_PRESETS.map((preset, index) => (
              <label
                key={preset.seconds}
                className={PILL}
                title={maxTtl !== null && preset.seconds > maxTtl ? 'Longer than LINK_MAX_TTL' : undefined}
              >
                <input
                  type="radio"
                  name="ttl"
                  className="sr-only"
                  checked={ttl.choice === index}
                  disabled={maxTtl !== null && preset.seconds > maxTtl}
                  onChange={() => setTtl((state) => ({ ...state, choice: index }))}
                />
                {preset.label.replace('minutes', 'min')}
              </label>
            ))}
            <label className={PILL}>
              <input
                type="radio"
                name="ttl"
                className="sr-only"
                checked={ttl.choice === 'custom'}
                onChange={() => setTtl((state) => ({ ...state, choice: 'custom' }))}
              />
              Custom
            </label>
          </div>
          {ttl.choice === 'custom' && (
            <div className="mt-2 flex items-center gap-2">
              <input
                aria-label="Custom lifetime"
                inputMode="numeric"
                value={ttl.amount}
                onChange={(event) => setTtl((state) => ({ ...state, amount: event.target.value }))}
                className={`${INPUT} w-24`}
              />
              <select
                aria-label="Unit"
                value={ttl.unit}
                onChange={(event) => setUnit(event.target.value as TtlUnit)}
                className={INPUT}
              >
                {TTL_UNITS.map((unit) => (
                  <option key={unit.value} value={unit.value}>
                    {unit.label}
                  </option>
                ))}
              </select>
            </div>
          )}
          {maxTtl !== null && (
            <p className="mt-1.5 text-xs text-slate-500">At most {describeSeconds(maxTtl)} on this server.</p>
          )}
        </fieldset>

        <fieldset>
          <legend className="mb-2 text-sm font-medium text-slate-800">Downloads</legend>
          <div className="space-y-2">
            <label className={OPTION}>
              <input
                type="radio"
                name="access"
                className="mt-1 accent-indigo-600"
                checked={untracked || access === 'unlimited'}
                onChange={() => setAccess('unlimited')}
              />
              <span className="text-sm">
                <span className="block font-medium">Anyone with the link, until it expires</span>
              </span>
            </label>
            <label className={OPTION}>
              <input
                type="radio"
                name="access"
                className="mt-1 accent-indigo-600"
                checked={!untracked && access === 'once'}
                disabled={untracked}
                onChange={() => setAccess('once')}
              />
              <span className="text-sm">
                <span className="block font-medium">Only once (one-time link)</span>
                <span className="block text-slate-600">
                  The first download uses it up. A browser sees a Download button first, so link previews in mail and
                  chat do not use it.
                </span>
              </span>
            </label>
            <label className={OPTION}>
              <input
                type="radio"
                name="access"
                className="mt-1 accent-indigo-600"
                checked={!untracked && access === 'limited'}
                disabled={untracked}
                onChange={() => setAccess('limited')}
              />
              <span className="flex flex-wrap items-center gap-2 text-sm font-medium">
                Limited to
                <input
                  aria-label="Number of downloads"
                  inputMode="numeric"
                  value={limit}
                  disabled={untracked}
                  onFocus={() => setAccess('limited')}
                  onChange={(event) => setLimit(event.target.value)}
                  className={`${INPUT} w-20 font-normal`}
                />
                downloads
              </span>
            </label>
          </div>
        </fieldset>

        <div className="rounded-lg bg-slate-50 px-3 py-2.5 text-sm text-slate-700">
          {untracked ? (
            <p>
              <strong className="font-medium">Untracked:</strong> this link is not listed anywhere and cannot be revoked
              on its own. Only <em>Revoke all links</em> on the Keys page stops it before it expires.
            </p>
          ) : (
            <p>
              Links are <strong className="font-medium">tracked</strong>: each one is listed on the Links page, where
              you can see its uses and revoke it at any time.
            </p>
          )}
          <details className="mt-2 text-slate-600" open={untracked || undefined}>
            <summary className="cursor-pointer text-xs font-medium text-slate-500 hover:text-slate-700">
              Advanced
            </summary>
            <label className="mt-2 flex gap-2.5" htmlFor={`${ids}-untracked`}>
              <input
                id={`${ids}-untracked`}
                type="checkbox"
                className="mt-1 accent-indigo-600"
                checked={untracked}
                onChange={(event) => setUntracked(event.target.checked)}
              />
              <span className="text-sm">
                <span className="block font-medium text-slate-800">Untracked (cannot be revoked on its own)</span>
                <span className="block text-xs">
                  Nothing is stored for it, so checking it needs no database. The price: it cannot be one-time or
                  limited, it is not on the Links page, and stopping it early means revoking every link at once.
                </span>
              </span>
            </label>
          </details>
        </div>

        {error && (
          <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
            {error}
          </p>
        )}
      </div>
      <div className="flex justify-end gap-2 border-t border-slate-200 px-5 py-3">
        <button
          type="button"
          onClick={onCancel}
          className="rounded-lg px-3 py-2 text-sm text-slate-700 hover:bg-slate-100"
        >
          Cancel
        </button>
        <button
          type="submit"
          disabled={pending}
          className="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60"
        >
          {pending ? 'Creating…' : 'Create link'}
        </button>
      </div>
    </form>
  );
}
