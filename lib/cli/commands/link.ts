// `link create|list|revoke`: share links from the console (the same lib/links functions as the
// admin UI and the API).
import { type Command, InvalidArgumentError } from 'commander';
import { CLI_ACTOR } from '../../audit';
import { env } from '../../env';
import { formatDuration, parseDuration } from '../../env/units';
import { createLink, listLinks, revokeLink } from '../../links';
import { openDatabase } from '../database';
import { formatTable, formatTime, note, print } from '../io';

export function registerLinkCommands(program: Command): void {
  const link = program.command('link').description('make, list and revoke share links');

  link
    .command('create')
    .description('make a share link for a file and print its URL')
    .argument('<fileId>', 'the file id')
    .option('--ttl <duration>', 'lifetime like 15m, 1h, 1d (default LINK_DEFAULT_TTL, at most LINK_MAX_TTL)', parseTtl)
    .option('--once', 'a one-time link (the first download uses it up)')
    .option('--max-downloads <n>', 'allow this many downloads', parseCount)
    .option('--untracked', 'no database record: cannot be revoked on its own or limited')
    .action(
      async (fileId: string, options: { ttl?: number; once?: boolean; maxDownloads?: number; untracked?: boolean }) => {
        await openDatabase();
        const maxDownloads = options.once ? 1 : (options.maxDownloads ?? null);
        const created = await createLink({
          fileId,
          ttlMs: options.ttl,
          maxDownloads,
          tracked: !options.untracked,
          actor: CLI_ACTOR,
        });
        print(created.url);
        const limit =
          maxDownloads === null
            ? 'unlimited downloads'
            : maxDownloads === 1
              ? 'one download'
              : `${maxDownloads} downloads`;
        note(
          `Link ${created.tracked ? created.id : '(untracked)'}: ${limit}, expires ${formatTime(created.expiresAt)} ` +
            `(in ${formatDuration(options.ttl ?? env().linkDefaultTtlMs)}).`,
        );
      },
    );

  link
    .command('list')
    .description('list tracked links, newest first')
    .option('--file <fileId>', "only this file's links")
    .action(async (options: { file?: string }) => {
      await openDatabase();
      const { items } = await listLinks({ fileId: options.file, limit: 200 });
      if (items.length === 0) {
        print('No tracked links.');
        return;
      }
      print(
        formatTable(
          ['ID', 'FILE', 'NAME', 'EXPIRES', 'USES', 'STATUS'],
          items.map((l) => [
            l.id,
            l.fileId,
            l.fileName,
            formatTime(l.expiresAt),
            `${l.downloads}/${l.maxDownloads ?? '∞'}`,
            l.status,
          ]),
        ),
      );
    });

  link
    .command('revoke')
    .description('revoke a tracked link at once')
    .argument('<id>', 'the link id (from link list)')
    .action(async (id: string) => {
      await openDatabase();
      await revokeLink({ id, actor: CLI_ACTOR });
      print(`Revoked link ${id}.`);
    });
}

function parseTtl(value: string): number {
  const ms = parseDuration(value);
  if (ms === null || ms < 1000) throw new InvalidArgumentError('use a duration like 15m, 1h or 7d.');
  return ms;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more.');
  return n;
}
