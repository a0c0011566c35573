'use client';

import { useState } from 'react';

const SIZES = {
  md: 'px-2.5 py-1 text-sm',
  sm: 'px-2 py-1 text-xs',
} as const;

export function CopyButton({
  value,
  label = 'Copy',
  ariaLabel,
  size = 'md',
}: {
  value: string;
  label?: string;
  ariaLabel?: string;
  size?: keyof typeof SIZES;
}) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // The Clipboard API needs a secure context (plain http on a LAN address is not one).
      const area = document.createElement('textarea');
      area.value = value;
      document.body.appendChild(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  }
  return (
    <button
      type="button"
      onClick={() => void copy()}
      aria-label={ariaLabel}
      title={value}
      className={`rounded-md border border-slate-300 bg-white text-slate-700 hover:bg-slate-100 ${SIZES[size]}`}
    >
      {copied ? 'Copied' : label}
    </button>
  );
}
