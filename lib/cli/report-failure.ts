// How the CLI and the seed script end on an error: one line on stderr and exit code 1 for
// anything a user can fix; a stack trace only when DEBUG is set.
import { CommanderError } from 'commander';
import { EnvError } from '../env';
import { toAppError } from '../errors';

/** Writes the message for `error` and returns the exit code. */
export function reportFailure(error: unknown): number {
  // Commander has already printed its message (or the help) to the right stream.
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof EnvError) {
    process.stderr.write(`error: ${error.message}\n`);
    return 1;
  }
  const appError = toAppError(error);
  if (appError.code !== 'internal') {
    process.stderr.write(`error: ${appError.message}\n`);
    return 1;
  }
  if (process.env.DEBUG) {
    console.error(error);
  } else {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    process.stderr.write(`error: unexpected failure: ${message} (run with DEBUG=1 for details)\n`);
  }
  return 1;
}
