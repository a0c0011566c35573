'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';

// What a search keeps of the current list address (the cursor starts over).
const KEPT = ['sort', 'order', 'limit'] as const;

/**
 * Search by name or id. Typing updates `?q=` (after a short pause), so the list stays
 * server-rendered and the URL can be shared or reloaded; paging starts again from the top.
 * Without JavaScript it is a plain GET form.
 */
export function FileSearch({ initial }: { initial: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [value, setValue] = useState(initial);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => setValue(initial), [initial]);

  function go(q: string) {
    const next = new URLSearchParams(params.toString());
    next.delete('cursor');
    if (q.trim()) next.set('q', q.trim());
    else next.delete('q');
    const query = next.toString();
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  }

  function onChange(event: React.ChangeEvent<HTMLInputElement>) {
    const q = event.currentTarget.value;
    setValue(q);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => go(q), 300);
  }

  function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (timer.current) clearTimeout(timer.current);
    go(value);
  }

  return (
    <form role="search" method="get" action={pathname} onSubmit={onSubmit} className="relative w-full max-w-sm">
      {KEPT.map((name) => params.get(name) && <input key={name} type="hidden" name={name} value={params.get(name)!} />)}
      <svg
        aria-hidden
        viewBox="0 0 20 20"
        fill="currentColor"
        className="pointer-events-none absolute top-1/2 left-3 h-4 w-4 -translate-y-1/2 text-slate-400"
      >
        <path
          fillRule="evenodd"
          d="M9 3.5a5.5 5.5 0 1 0 0 11 5.5 5.5 0 0 0 0-11ZM2 9a7 7 0 1 1 12.45 4.39l3.08 3.08a.75.75 0 1 1-1.06 1.06l-3.08-3.08A7 7 0 0 1 2 9Z"
          clipRule="evenodd"
        />
      </svg>
      <input
        type="search"
        name="q"
        value={value}
        onChange={onChange}
        maxLength={255}
        placeholder="Search by name or id"
        aria-label="Search files by name or id"
        className="w-full rounded-lg border border-slate-300 bg-white py-2 pr-3 pl-9 text-sm outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-200"
      />
    </form>
  );
}
