// Starts ring-worker.ts in separate Node processes (tsx, with 'server-only' mapped to an empty
// module the way vitest and the esbuild bundles do). The processes inherit the test's env.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '../../..');

export async function runWorker<T>(command: Record<string, unknown>): Promise<T> {
  const { stdout } = await run(
    path.join(root, 'node_modules/.bin/tsx'),
    ['--tsconfig', path.join(here, 'tsconfig.json'), path.join(here, 'ring-worker.ts'), JSON.stringify(command)],
    { cwd: root, env: process.env, timeout: 90_000 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as T;
}

/**
 * Runs one worker per command, all released at the same moment once every one has booted
 * (each command gets a `barrier` directory).
 */
export async function raceWorkers<T>(commands: Record<string, unknown>[]): Promise<T[]> {
  const barrier = fs.mkdtempSync(path.join(os.tmpdir(), 'fileserver-barrier-'));
  try {
    const results = Promise.all(commands.map((command) => runWorker<T>({ ...command, barrier })));
    let failure: Error | undefined;
    results.catch((error: unknown) => (failure = error instanceof Error ? error : new Error(String(error))));
    const deadline = Date.now() + 90_000;
    while (fs.readdirSync(barrier).filter((name) => name.startsWith('ready-')).length < commands.length) {
      if (failure) throw failure;
      if (Date.now() > deadline) throw new Error('workers did not start');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    fs.writeFileSync(path.join(barrier, 'go'), '');
    return await results;
  } finally {
    fs.rmSync(barrier, { recursive: true, force: true });
  }
}
