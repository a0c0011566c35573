// `token create|list|revoke`: API tokens for `Authorization: Bearer` on /api/v1.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { CLI_ACTOR } from '../../audit';
import {
  createApiToken,
  DEFAULT_TOKEN_EXPIRY,
  listApiTokens,
  parseTokenExpiry,
  revokeApiToken,
} from '../../auth/api-tokens';
import { AppError, isAppError } from '../../errors';
import { getUserOrThrow, listUsers } from '../../users';
import { openDatabase } from '../database';
import { formatTable, formatTime, note, print } from '../io';

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('manage API tokens for /api/v1');

  token
    .command('create')
    .description('create a token and print it (once: it cannot be shown again)')
    .argument('<name>', 'what the token is for, e.g. "ci" or "contract-portal"')
    .option('--user <username>', 'the admin the token acts as (default: the only admin)')
    .addOption(
      new Option('--expires <duration>', 'lifetime like 30d, 12h, 1w, or "never"')
        .argParser(checkExpiryOption)
        .default(DEFAULT_TOKEN_EXPIRY, DEFAULT_TOKEN_EXPIRY),
    )
    .action(async (name: string, options: { user?: string; expires: string }) => {
      await openDatabase();
      const owner = options.user ? await getUserOrThrow(options.user) : await onlyUser();
      const { token: secret, record } = await createApiToken({
        name,
        userId: owner.id,
        expiresInMs: parseTokenExpiry(options.expires),
        actor: CLI_ACTOR,
      });
      // The token alone on stdout, so `TOKEN=$(... token create ci)` captures just it.
      print(secret);
      note(
        `Created token "${record.name}" (id ${record.id}) for "${record.username}", ` +
          `expires ${formatTime(record.expiresAt, 'never')}. Copy it now: it will not be shown again.`,
      );
    });

  token
    .command('list')
    .description('list API tokens (never the tokens themselves)')
    .option('--user <username>', "only this admin's tokens")
    .action(async (options: { user?: string }) => {
      await openDatabase();
      const userId = options.user ? (await getUserOrThrow(options.user)).id : undefined;
      const tokens = await listApiTokens(userId);
      if (tokens.length === 0) {
        print('No API tokens. Create one with: token create <name>');
        return;
      }
      print(
        formatTable(
          ['ID', 'NAME', 'USER', 'CREATED', 'LAST USED', 'EXPIRES', 'STATUS'],
          tokens.map((t) => [
            t.id,
            t.name,
            t.username,
            formatTime(t.createdAt),
            formatTime(t.lastUsedAt, 'never'),
            formatTime(t.expiresAt, 'never'),
            t.status,
          ]),
        ),
      );
    });

  token
    .command('revoke')
    .description('revoke a token at once (see `token list` for ids)')
    .argument('<id>', 'the token id')
    .action(async (id: string) => {
      await openDatabase();
      const { token: revoked, changed } = await revokeApiToken({ id, actor: CLI_ACTOR });
      print(
        changed
          ? `Revoked token "${revoked.name}" (id ${revoked.id}).`
          : `Token "${revoked.name}" (id ${revoked.id}) was already revoked.`,
      );
    });
}

// Checked while parsing, so a bad value is a usage error (exit 2). It stays a string because
// commander turns a parser's null ("never") into ''.
function checkExpiryOption(value: string): string {
  try {
    parseTokenExpiry(value);
    return value;
  } catch (error) {
    if (isAppError(error)) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

async function onlyUser(): Promise<{ id: string; username: string }> {
  const users = await listUsers();
  if (users.length === 1) return users[0];
  if (users.length === 0)
    throw new AppError('conflict', 'There are no users yet: add one first with `user add <name>`.');
  throw new AppError(
    'bad_request',
    `There are ${users.length} users: say which one owns the token with --user <username>.`,
  );
}
