// One error type for the whole product. A code maps to an HTTP status and a CLI exit code;
// the message is a sentence a user can act on, never an internal detail.
import { databaseBusy, sqliteCode } from './db/busy';

const STATUS = {
  bad_request: 400,
  validation_failed: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  range_not_satisfiable: 416,
  rate_limited: 429,
  link_invalid: 403,
  link_expired: 410,
  link_used: 410,
  link_revoked: 410,
  insufficient_storage: 507,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof STATUS;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = STATUS[code];
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Any thrown value as an AppError; unknown errors become a generic 500 (logged by the caller). */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = (error as { code?: string } | null)?.code;
  if (code === 'P2025') return new AppError('not_found', 'Not found.');
  if (isDiskFull(error)) return noDiskSpace();
  const sqlite = sqliteCode(error);
  // The write lock stayed taken for DB_BUSY_TIMEOUT (lib/db/busy.ts): P1008 is Prisma's name for it.
  if (code === 'P1008' || sqlite === 'SQLITE_BUSY' || sqlite === 'SQLITE_LOCKED') return databaseBusy(error);
  if (sqlite === 'SQLITE_FULL')
    return new AppError('insufficient_storage', 'The server has no disk space left for this change.');
  if (code === 'DATABASE_UNWRITABLE' || (sqlite && UNWRITABLE.some((prefix) => sqlite.startsWith(prefix))))
    return new AppError('unavailable', 'The server cannot store changes right now. Try again later.', {
      retryAfterSeconds: 30,
    });
  if ((error as { name?: string } | null)?.name === 'ZodError') {
    const issues = (error as { issues: { path: PropertyKey[]; message: string }[] }).issues;
    return new AppError(
      'validation_failed',
      issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '),
    );
  }
  return new AppError('internal', 'Something went wrong on the server. The error was logged.');
}

/** A database that cannot be written (read-only, gone, damaged): the server's fault, not the request's. */
const UNWRITABLE = ['SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_CORRUPT', 'SQLITE_NOTADB'];

/** `Retry-After` for an error that says when to try again (rate limits, a busy database). */
export function retryAfterHeader(error: AppError): Record<string, string> {
  const seconds = error.details?.retryAfterSeconds;
  return typeof seconds === 'number' ? { 'Retry-After': String(seconds) } : {};
}

/** What every upload answers when the disk (or the user's quota) is full: 507 Insufficient Storage. */
export function noDiskSpace(): AppError {
  return new AppError('insufficient_storage', 'The server has no disk space left for this file.');
}

/** A write failed because the disk or the quota is full (ENOSPC, EDQUOT). */
export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export function errorBody(error: AppError) {
  return { error: { code: error.code, message: error.message } };
}
