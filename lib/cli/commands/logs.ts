// `logs anonymize|list`: the audit log from the console. `logs anonymize` is what an external
// schedule (a systemd timer, cron) runs; the server also does it by itself every day.
import { type Command, InvalidArgumentError } from 'commander';
import { CLI_ACTOR } from '../../audit';
import { anonymizeLogs, formatAge } from '../../audit/anonymize';
import { queryLogs } from '../../audit/query-logs';
import { logQuerySchema } from '../../audit/schemas';
import { env } from '../../env';
import { parseDuration } from '../../env/units';
import { toAppError } from '../../errors';
import { openDatabase } from '../database';
import { formatTable, note, print } from '../io';

export function registerLogsCommands(program: Command): void {
  const logs = program.command('logs').description('read and anonymize the audit log');

  logs
    .command('anonymize')
    .description('redact user and IP of entries older than the given age (records an "anonymize" entry with the count)')
    .option(
      '--older-than <age>',
      'an age like 30d, 12h or 0d (0d: everything up to now); a bare number is days (default: LOG_ANONYMIZE_AFTER_DAYS, 30)',
      parseAge,
    )
    .action(async (options: { olderThan?: number }) => {
      await openDatabase();
      const olderThanMs = options.olderThan ?? env().logAnonymizeAfterDays * 86_400_000;
      const { count, before } = await anonymizeLogs({ olderThanMs, actor: CLI_ACTOR });
      print(
        `Anonymized ${count} ${count === 1 ? 'entry' : 'entries'} older than ${formatAge(olderThanMs)} (before ${formatInstant(before)}).`,
      );
    });

  logs
    .command('list')
    .description('show entries, newest first (times in UTC)')
    .option('--action <action>', 'only this action, e.g. download or login_failed')
    .option('--user <user>', 'only this user (exact)')
    .option('--ip <ip>', 'only this client IP')
    .option('--file <fileId>', 'only entries about this file')
    .option('--since <time>', 'from this time on, ISO 8601 (UTC when no zone is given)')
    .option('--until <time>', 'before this time, ISO 8601')
    .option('--limit <n>', 'how many (1-500)', '50')
    .action(async function (this: Command, options: Record<string, string | undefined>) {
      const parsed = logQuerySchema.safeParse({ ...options, fileId: options.file });
      // A bad filter is a usage error (exit 2), like any other bad option value.
      if (!parsed.success) this.error(`error: ${toAppError(parsed.error).message}`, { exitCode: 2 });
      await openDatabase();
      const { items, nextCursor } = await queryLogs(parsed.data);
      if (items.length === 0) {
        print('No log entries match.');
        return;
      }
      print(
        formatTable(
          ['TIME (UTC)', 'ACTION', 'USER', 'IP', 'FILE', 'INFO'],
          items.map((entry) => [
            formatInstant(entry.timestamp),
            entry.action,
            entry.user ?? '-',
            entry.ipAddress ?? '-',
            entry.fileId ?? '-',
            entry.info,
          ]),
        ),
      );
      if (nextCursor) note(`(showing the newest ${items.length}; use --limit, --since or --until to see others)`);
    });
}

/** "30d", "12h", "0d", "90m"; a bare number is days, as in LOG_ANONYMIZE_AFTER_DAYS. */
export function parseAge(value: string): number {
  const ms = /^\s*\d+\s*$/.test(value) ? Number(value) * 86_400_000 : parseDuration(value);
  if (ms === null || !Number.isFinite(ms))
    throw new InvalidArgumentError(`"${value}" is not an age like 30d, 12h or 0d.`);
  return ms;
}

/** "2026-10-24 19:22:53 UTC". */
function formatInstant(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
