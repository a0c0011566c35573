import type { AuditAction } from '@/lib/audit/actions';

// Colour says what kind of thing happened: refused or failed (red), taken away (amber),
// created (green), read (blue), the server's own housekeeping (violet), the rest grey.
const TONE: Record<AuditAction, string> = {
  login: 'bg-slate-100 text-slate-700',
  logout: 'bg-slate-100 text-slate-700',
  logout_all: 'bg-amber-50 text-amber-800',
  setup: 'bg-slate-100 text-slate-700',
  login_failed: 'bg-red-50 text-red-700 ring-1 ring-red-200',
  link_denied: 'bg-red-50 text-red-700 ring-1 ring-red-200',
  delete: 'bg-amber-50 text-amber-800',
  link_revoke: 'bg-amber-50 text-amber-800',
  token_revoke: 'bg-amber-50 text-amber-800',
  user_delete: 'bg-amber-50 text-amber-800',
  upload: 'bg-emerald-50 text-emerald-700',
  link_create: 'bg-emerald-50 text-emerald-700',
  token_create: 'bg-emerald-50 text-emerald-700',
  user_add: 'bg-emerald-50 text-emerald-700',
  user_passwd: 'bg-slate-100 text-slate-700',
  visibility: 'bg-slate-100 text-slate-700',
  download: 'bg-sky-50 text-sky-700',
  key_rotate: 'bg-violet-50 text-violet-700',
  anonymize: 'bg-violet-50 text-violet-700',
};

export function ActionBadge({ action }: { action: string }) {
  const tone = TONE[action as AuditAction] ?? 'bg-slate-100 text-slate-700';
  return (
    <span className={`inline-block rounded-full px-2 py-0.5 font-mono text-xs font-medium whitespace-nowrap ${tone}`}>
      {action}
    </span>
  );
}

export function AnonymizedBadge() {
  return (
    <span
      title="Redacted: entries older than LOG_ANONYMIZE_AFTER_DAYS keep what happened, not who or from where."
      className="inline-block rounded-full bg-slate-200 px-2 py-0.5 text-xs font-medium whitespace-nowrap text-slate-600"
    >
      anonymized
    </span>
  );
}
