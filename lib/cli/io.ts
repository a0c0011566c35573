// Terminal input and output for the CLI: passwords without echo or from stdin, and plain
// aligned tables. Messages for people go to stderr when stdout carries data to capture.
import { AppError } from '../errors';

/** Reads the whole of stdin as one password (one trailing newline removed). */
export async function readPasswordFromStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (stdin.isTTY) {
    throw new AppError('bad_request', '--password-stdin expects the password piped in, e.g. `printf %s "$PW" | ...`.');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stdin as AsyncIterable<string | Buffer>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (!password) throw new AppError('validation_failed', 'No password arrived on stdin.');
  if (/[\r\n]/.test(password)) throw new AppError('validation_failed', 'The password on stdin must be a single line.');
  return password;
}

/** Asks twice on the terminal without echo; the answers must match. */
export async function promptNewPassword(label: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new AppError('bad_request', 'Cannot ask for the password: no terminal. Pipe it in with --password-stdin.');
  }
  const first = await promptHidden(`${label}: `);
  if (!first) throw new AppError('validation_failed', 'The password must not be empty.');
  const second = await promptHidden('Repeat it: ');
  if (first !== second) throw new AppError('validation_failed', 'The two passwords do not match.');
  return first;
}

/** One line from the terminal in raw mode, echoing nothing. Ctrl-C aborts with exit 130. */
export function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve) => {
    let answer = '';
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    const finish = () => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
    };
    const onData = (data: string) => {
      for (const char of data) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          finish();
          resolve(answer);
          return;
        }
        if (char === '\u0003') {
          finish();
          process.exit(130);
        }
        if (char === '\u007f' || char === '\b') answer = [...answer].slice(0, -1).join('');
        else if (char >= ' ') answer += char;
      }
    };
    stdin.on('data', onData);
  });
}

/** "2026-11-23 19:22 UTC": times as an operator reads them, always UTC. */
export function formatTime(date: Date | null, empty = '-'): string {
  if (!date) return empty;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Left-aligned columns with a header row, separated by two spaces. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}
