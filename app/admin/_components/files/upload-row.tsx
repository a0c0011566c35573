'use client';

import { formatSize } from '@/lib/env/units';
import { formatSpeed, formatTimeLeft, type UploadProblem } from './upload-format';

export type UploadStatus = 'starting' | 'uploading' | 'finishing' | 'done' | 'failed';

export type UploadView = {
  key: string;
  name: string;
  status: UploadStatus;
  bytesSent: number;
  bytesTotal: number;
  /** Bytes per second, null until measured. */
  speed: number | null;
  /** Continues an upload started earlier (before a reload or a dropped connection). */
  resumed: boolean;
  problem: UploadProblem | null;
  fileId: string | null;
  /** The connection dropped and tus-js-client is about to try again (attempt n of m). */
  reconnecting: { attempt: number; of: number } | null;
};

type Props = {
  upload: UploadView;
  onCancel: () => void;
  onRetry: () => void;
  onReplace: () => void;
  onDismiss: () => void;
};

export function UploadRow({ upload, onCancel, onRetry, onReplace, onDismiss }: Props) {
  const { name, status, bytesSent, bytesTotal, problem } = upload;
  const percent = bytesTotal > 0 ? Math.floor((bytesSent / bytesTotal) * 100) : status === 'done' ? 100 : 0;
  const failed = status === 'failed';
  const done = status === 'done';
  return (
    <li
      data-testid="upload-row"
      data-status={status}
      className={`px-4 py-3 ${failed ? 'bg-red-50/60' : ''}`}
      aria-label={`Upload of ${name}`}
    >
      <div className="flex items-center gap-3">
        <span className="min-w-0 flex-1 truncate text-sm font-medium text-slate-900" title={name}>
          {name}
        </span>
        <span
          className={`shrink-0 text-sm tabular-nums ${failed ? 'text-red-700' : done ? 'text-emerald-700' : 'text-slate-700'}`}
        >
          {failed
            ? problem?.kind === 'network'
              ? `Interrupted at ${percent}%`
              : 'Failed'
            : done
              ? 'Done'
              : `${percent}%`}
        </span>
        <div className="flex shrink-0 gap-1">
          {failed && problem?.kind === 'exists' && (
            <RowButton onClick={onReplace} tone="primary">
              Replace
            </RowButton>
          )}
          {failed && problem?.kind === 'network' && (
            <RowButton onClick={onRetry} tone="primary">
              Retry
            </RowButton>
          )}
          {(status === 'starting' || status === 'uploading' || (failed && problem?.kind === 'network')) && (
            <RowButton onClick={onCancel} label={`Cancel upload of ${name}`}>
              Cancel
            </RowButton>
          )}
          {(done || (failed && problem?.kind !== 'network')) && (
            <RowButton onClick={onDismiss} label={`Dismiss ${name}`}>
              Dismiss
            </RowButton>
          )}
        </div>
      </div>
      <div
        role="progressbar"
        aria-label={`Progress of ${name}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        className="mt-2 h-2 overflow-hidden rounded-full bg-slate-200"
      >
        <div
          className={`h-full rounded-full transition-[width] duration-200 ${failed ? 'bg-red-400' : done ? 'bg-emerald-500' : 'bg-indigo-600'}`}
          style={{ width: `${percent}%` }}
        />
      </div>
      <p className={`mt-1.5 text-xs ${failed ? 'text-red-700' : 'text-slate-500'}`} data-testid="upload-detail">
        {describe(upload)}
      </p>
    </li>
  );
}

function describe({
  status,
  bytesSent,
  bytesTotal,
  speed,
  resumed,
  problem,
  fileId,
  reconnecting,
}: UploadView): string {
  if (status === 'failed' && problem)
    return problem.kind === 'network' ? `${problem.message} Retry continues where it stopped.` : problem.message;
  if (status === 'done') return `Uploaded ${formatSize(bytesTotal)}${fileId ? ` as ${fileId}` : ''}.`;
  const sizes = `${formatSize(bytesSent)} of ${formatSize(bytesTotal)}`;
  if (status === 'starting') return resumed ? `Resuming an earlier upload of this file…` : 'Starting…';
  if (status === 'finishing') return `${sizes} · Saving…`;
  if (reconnecting) return `${sizes} · Connection lost, trying again (${reconnecting.attempt} of ${reconnecting.of})…`;
  const parts = [resumed ? `Resumed · ${sizes}` : sizes];
  if (speed !== null && speed > 0) {
    parts.push(formatSpeed(speed));
    parts.push(formatTimeLeft((bytesTotal - bytesSent) / speed));
  }
  return parts.join(' · ');
}

function RowButton({
  children,
  onClick,
  tone = 'plain',
  label,
}: {
  children: React.ReactNode;
  onClick: () => void;
  tone?: 'plain' | 'primary';
  label?: string;
}) {
  return (
    <button
      type="button"
      onClick={onClick}
      aria-label={label}
      className={
        tone === 'primary'
          ? 'rounded-md bg-indigo-600 px-2.5 py-1 text-xs font-medium text-white hover:bg-indigo-700'
          : 'rounded-md border border-slate-300 bg-white px-2.5 py-1 text-xs text-slate-700 hover:bg-slate-100'
      }
    >
      {children}
    </button>
  );
}
