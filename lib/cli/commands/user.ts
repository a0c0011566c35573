// `user add|delete|list|passwd|signout-all`: the admin accounts.
import type { Command } from 'commander';
import { CLI_ACTOR } from '../../audit';
import { addUser, changePassword, deleteUser, getUserOrThrow, listUsers, signOutEverywhere } from '../../users';
import { openDatabase } from '../database';
import { formatTable, formatTime, print, promptNewPassword, readPasswordFromStdin } from '../io';

type PasswordOptions = { passwordStdin?: boolean };

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('manage the admins who can sign in');

  user
    .command('add')
    .description('add an admin (asks for the password twice, or reads it from stdin)')
    .argument('<name>', 'username: letters, digits and . _ @ -, at most 64 characters')
    .option('--password-stdin', 'read the password from stdin instead of asking')
    .action(async (name: string, options: PasswordOptions) => {
      await openDatabase();
      const password = await readNewPassword(options, `Password for "${name}"`);
      await addUser({ username: name, password, actor: CLI_ACTOR });
      print(`Added user "${name}".`);
    });

  user
    .command('delete')
    .description('delete an admin and their API tokens (their files stay)')
    .argument('<name>', 'username')
    .action(async (name: string) => {
      await openDatabase();
      await deleteUser({ username: name, actor: CLI_ACTOR });
      print(`Deleted user "${name}".`);
    });

  user
    .command('list')
    .description('list the admins')
    .action(async () => {
      await openDatabase();
      const users = await listUsers();
      if (users.length === 0) {
        print('No users yet. Add one with: user add <name>');
        return;
      }
      print(
        formatTable(
          ['USERNAME', 'CREATED', 'API TOKENS'],
          users.map((u) => [u.username, formatTime(u.createdAt), String(u.apiTokens)]),
        ),
      );
    });

  user
    .command('passwd')
    .description("set an admin's password (asks twice, or reads it from stdin)")
    .argument('<name>', 'username')
    .option('--password-stdin', 'read the password from stdin instead of asking')
    .action(async (name: string, options: PasswordOptions) => {
      await openDatabase();
      // Fail on a wrong name before asking for a password.
      await getUserOrThrow(name);
      const password = await readNewPassword(options, `New password for "${name}"`);
      await changePassword({ username: name, password, actor: CLI_ACTOR });
      print(`Changed the password of "${name}"; their sessions have ended.`);
    });

  user
    .command('signout-all')
    .description('end every session of an admin, on every device (API tokens stay valid)')
    .argument('<name>', 'username')
    .action(async (name: string) => {
      await openDatabase();
      await signOutEverywhere({ username: name, actor: CLI_ACTOR });
      print(`Ended every session of "${name}".`);
    });
}

function readNewPassword(options: PasswordOptions, label: string): Promise<string> {
  return options.passwordStdin ? readPasswordFromStdin() : promptNewPassword(label);
}
