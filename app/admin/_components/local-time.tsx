'use client';

import { useEffect, useState } from 'react';

const FORMAT: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' };

/** A UTC instant shown in the viewer's own time zone (UTC until the browser has rendered). */
export function LocalTime({ iso, fallback = '—' }: { iso: string | null | undefined; fallback?: string }) {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => {
    if (iso) setText(new Date(iso).toLocaleString(undefined, FORMAT));
  }, [iso]);
  if (!iso) return <span className="text-slate-400">{fallback}</span>;
  return (
    <time dateTime={iso} title={iso} suppressHydrationWarning>
      {text ?? `${iso.slice(0, 16).replace('T', ' ')} UTC`}
    </time>
  );
}
