'use client';

import { useEffect, useState } from 'react';

const FORMAT: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
};

/**
 * A log time in the viewer's own time zone, to the second (an audit trail needs the order of
 * things a minute apart). UTC until the browser has rendered; the UTC instant is the tooltip.
 */
export function LogTime({ iso }: { iso: string }) {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => setText(new Date(iso).toLocaleString(undefined, FORMAT)), [iso]);
  return (
    <time
      dateTime={iso}
      title={`${iso.replace('T', ' ').replace(/\.\d+Z$/, '')} UTC`}
      suppressHydrationWarning
      className="tabular-nums"
    >
      {text ?? `${iso.slice(0, 19).replace('T', ' ')} UTC`}
    </time>
  );
}

/** The viewer's time zone name, e.g. "Europe/Berlin" (empty until the browser has rendered). */
export function TimeZoneName() {
  const [zone, setZone] = useState('');
  useEffect(() => setZone(Intl.DateTimeFormat().resolvedOptions().timeZone), []);
  return <span suppressHydrationWarning>{zone || 'your time zone'}</span>;
}
