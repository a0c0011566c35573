// The command line: `npm run cli -- <command>` (dist/cli.mjs, built from this file by
// `node scripts/build.mjs bundles`; in development `npx tsx --conditions=react-server
// lib/cli/main.ts <command>`).
//
// Each command group lives in lib/cli/commands/<group>.ts and exports one
// `register<Group>Commands(program)` that adds its subcommands with `program.command(...)`
// (so they inherit exitOverride and the output settings). An action calls
// `await openDatabase()` before it touches the database, calls the same lib/ function the
// admin UI and the API call, and prints with print()/note() from ./io. It throws AppError
// for anything the user got wrong; run() below turns that into `error: <message>` and exit 1.
//
// Exit codes: 0 success, 1 failure (one line `error: <reason>`), 2 usage error.
import { Command } from 'commander';
import { closeDb } from '../db';
import { restrictNewFiles } from '../env/file-modes';
import { registerFileCommands } from './commands/file';
import { registerKeysCommands } from './commands/keys';
import { registerLinkCommands } from './commands/link';
import { registerLogsCommands } from './commands/logs';
import { registerTokenCommands } from './commands/token';
import { registerUserCommands } from './commands/user';
import { reportFailure } from './report-failure';

export function createProgram(): Command {
  const program = new Command('cli')
    .description('Manage the file server from the terminal. Run as: npm run cli -- <command>')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)');
  registerUserCommands(program);
  registerTokenCommands(program);
  registerFileCommands(program);
  registerLinkCommands(program);
  registerKeysCommands(program);
  registerLogsCommands(program);
  return program;
}

/** Runs one command line and returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  restrictNewFiles(); // what the CLI creates (a fresh database, stored files) is 0600 too
  const program = createProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    return reportFailure(error);
  } finally {
    await closeDb();
  }
}

// A closed pipe (`... | head`) is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
});

process.exitCode = await run(process.argv.slice(2));
// Exit explicitly: a stray handle (a timer, an open stdin) must not keep the CLI alive.
process.exit();
