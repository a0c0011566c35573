// The audit log as CSV (RFC 4180: comma-separated, CRLF line ends, fields with a comma, quote
// or line break in double quotes, quotes doubled), streamed page by page so an export of a
// million entries never holds more than one page in memory.
//
// CSV injection: a spreadsheet runs a cell that starts with = + - @ (or a tab or carriage
// return) as a formula, and user names, file names and IPs in the log come from outside.
// Such cells get a leading single quote, as OWASP recommends, so they stay text.
import 'server-only';
import { queryLogs, type LogEntry } from './query-logs';
import type { LogFilters } from './schemas';

export const LOG_CSV_COLUMNS = ['timestamp', 'action', 'user', 'ip', 'file_id', 'info', 'anonymized'] as const;

const EXPORT_BATCH = 500;

/** One field: neutralized against formulas, then quoted when it needs to be. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRecord(fields: (string | number | boolean | null | undefined)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

export function logEntryToCsv(entry: LogEntry): string {
  return csvRecord([
    entry.timestamp.toISOString(),
    entry.action,
    entry.user,
    entry.ipAddress,
    entry.fileId,
    entry.info,
    entry.anonymized,
  ]);
}

/**
 * Every entry matching `filters`, newest first, as a CSV byte stream with a header line. Each
 * pull reads one page after the cursor of the last, so entries written during the export
 * (newer ids) neither appear in it nor shift its pages.
 */
export function streamLogCsv(
  filters: Partial<LogFilters>,
  { batch = EXPORT_BATCH }: { batch?: number } = {},
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: string | null = null;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        let text = '';
        if (!started) {
          started = true;
          text += csvRecord([...LOG_CSV_COLUMNS]);
        }
        const page = await queryLogs({ ...filters, limit: batch, cursor });
        text += page.items.map(logEntryToCsv).join('');
        controller.enqueue(encoder.encode(text));
        cursor = page.nextCursor;
        if (!cursor) controller.close();
      } catch (error) {
        console.error('[audit] CSV export failed:', error);
        controller.error(error);
      }
    },
  });
}

/** `audit-log-2026-11-23.csv` (the UTC date of the export). */
export function logCsvFileName(now: Date = new Date()): string {
  return `audit-log-${now.toISOString().slice(0, 10)}.csv`;
}
