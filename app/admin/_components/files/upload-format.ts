// Pure helpers of the upload rows: speed, time left and what a failed upload means for the
// user. No React, no tus import, so they are cheap to reason about and to test.
import { formatSize } from '@/lib/env/units';

/** "2.4 MiB/s" */
export function formatSpeed(bytesPerSecond: number): string {
  return `${formatSize(Math.round(bytesPerSecond))}/s`;
}

/** "8 s left", "3 min left", "1 h 20 min left" */
export function formatTimeLeft(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s left`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min left`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min left` : `${hours} h left`;
}

/** Byte counts over the last few seconds, for a speed that neither jumps nor lags. */
export type SpeedSample = { at: number; bytes: number };

const WINDOW_MS = 5000;

export function addSample(samples: SpeedSample[], sample: SpeedSample): SpeedSample[] {
  const kept = samples.filter((s) => sample.at - s.at <= WINDOW_MS);
  return [...kept, sample];
}

/** Bytes per second over the window; null until there is at least half a second to go by. */
export function speedOf(samples: SpeedSample[]): number | null {
  if (samples.length < 2) return null;
  const first = samples[0];
  const last = samples[samples.length - 1];
  const ms = last.at - first.at;
  if (ms < 500) return null;
  return ((last.bytes - first.bytes) * 1000) / ms;
}

export type UploadProblem =
  | { kind: 'too_large'; message: string }
  | { kind: 'exists'; message: string }
  | { kind: 'network'; message: string }
  | { kind: 'signed_out'; message: string }
  | { kind: 'other'; message: string };

/** The parts of tus-js-client's DetailedError we look at. */
export type UploadFailure = {
  message?: string;
  originalResponse?: { getStatus(): number; getBody(): string } | null;
};

export function errorCodeOf(failure: UploadFailure): string | null {
  const parsed = parseBody(failure);
  return parsed?.code ?? null;
}

/** What went wrong, in words, and which remedy the row offers. */
export function describeFailure(failure: UploadFailure, maxUploadSize: number): UploadProblem {
  const status = failure.originalResponse?.getStatus() ?? 0;
  const body = parseBody(failure);
  if (status === 0) {
    return { kind: 'network', message: 'Network error: the server could not be reached.' };
  }
  if (status === 413) {
    return { kind: 'too_large', message: `Too large: the upload limit is ${formatSize(maxUploadSize)}.` };
  }
  if (status === 409 && body?.code === 'conflict') {
    return { kind: 'exists', message: body.message.replace(/ Upload it with replace to overwrite it\.$/, '') };
  }
  if (status === 401) {
    return {
      kind: 'signed_out',
      message: 'Your session ended. Sign in again, then choose the file again to continue.',
    };
  }
  if (status >= 500 && status !== 507) {
    return { kind: 'network', message: body?.message ?? `The server answered with an error (HTTP ${status}).` };
  }
  return { kind: 'other', message: body?.message ?? `The upload failed (HTTP ${status}).` };
}

/**
 * Whether tus-js-client should try again (after its retry delay): yes for dropped connections,
 * server hiccups, a busy (locked) upload and an offset mismatch; never for an answer that will
 * not change by asking again (too large, name taken, signed out, disk full).
 */
export function shouldRetryUpload(failure: UploadFailure, online: boolean): boolean {
  const status = failure.originalResponse?.getStatus() ?? 0;
  if (status === 0) return online;
  if (status === 409) return errorCodeOf(failure) !== 'conflict';
  if (status === 423) return true;
  return status >= 500 && status !== 507;
}

function parseBody(failure: UploadFailure): { code: string; message: string } | null {
  try {
    const parsed = JSON.parse(failure.originalResponse?.getBody() ?? '') as {
      error?: { code?: unknown; message?: unknown };
    };
    if (typeof parsed.error?.code === 'string' && typeof parsed.error.message === 'string') {
      return { code: parsed.error.code, message: parsed.error.message };
    }
  } catch {
    // not our JSON: a proxy's error page or nothing at all
  }
  return null;
}
