// Starts the built production server (`dist/server.mjs`, so `npm run build` first) on a free
// port with a fresh temp data dir, for integration and browser tests.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type TestServer = {
  baseURL: string;
  dataDir: string;
  /** The server process (the front server; Next runs as its child). */
  pid: number;
  /** Sends `signal` and resolves once the server process has exited. */
  kill: (signal: NodeJS.Signals) => Promise<void>;
  output: () => string;
  /** Runs the built CLI against this server's data dir; returns stdout, stderr and the exit code. */
  cli: (args: string[], input?: string) => { status: number; stdout: string; stderr: string };
  stop: () => Promise<void>;
  /**
   * Kills the server and every process it started (Next) with `signal` at once, like a crash or
   * the OOM killer, and waits until the server process is gone. The data dir stays.
   */
  killTree: (signal: NodeJS.Signals) => Promise<void>;
};

/** The pids of every descendant of `pid` (Linux /proc), children before grandchildren. */
export function descendantPids(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The ppid is the 2nd field after the parenthesised command name (which may hold spaces).
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited meanwhile
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

const root = path.resolve(import.meta.dirname, '..', '..');

export function freePortSync(): string {
  return execFileSync(process.execPath, [path.join(root, 'scripts/free-port.mjs')], { encoding: 'utf8' }).trim();
}

export type StartOptions = {
  /** Runs the server as this user (root ignores file modes; the database fault tests need that). */
  uid?: number;
  gid?: number;
};

/** With `env.DATA_DIR` set, the server shares that directory (and leaves it in place on stop). */
export async function startTestServer(
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<TestServer> {
  const port = freePortSync();
  const ownDataDir = !env.DATA_DIR;
  const dataDir = env.DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'fileserver-it-'));
  const baseURL = `http://127.0.0.1:${port}`;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    ADMIN_USERNAME: '',
    ADMIN_PASSWORD: '',
    DATABASE_URL: '',
    STORAGE_DIR: '',
    AUTH_SECRET: '',
    MASTER_SECRET: '',
    PORT: port,
    HOST: '127.0.0.1',
    PUBLIC_URL: baseURL,
    ...env,
    DATA_DIR: dataDir,
  };
  const child: ChildProcess = spawn(process.execPath, [path.join(root, 'dist/server.mjs')], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    uid: options.uid,
    gid: options.gid,
  });
  const exited = new Promise((r) => child.once('exit', r));
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 90_000;
  while (!output.includes('ready on')) {
    if (child.exitCode !== null) throw new Error(`server exited:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    baseURL,
    dataDir,
    pid: child.pid!,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    output: () => output,
    cli: (args, input) => {
      try {
        const stdout = execFileSync(process.execPath, [path.join(root, 'dist/cli.mjs'), ...args], {
          cwd: root,
          env: childEnv,
          input,
          encoding: 'utf8',
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        return { status: 0, stdout, stderr: '' };
      } catch (error) {
        const e = error as { status: number; stdout: string; stderr: string };
        return { status: e.status, stdout: e.stdout, stderr: e.stderr };
      }
    },
    killTree: async (signal) => {
      for (const pid of [child.pid!, ...descendantPids(child.pid!)]) {
        try {
          process.kill(pid, signal);
        } catch {
          // already gone
        }
      }
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      if (ownDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Signs in through next-auth's endpoints and returns the session cookie header. */
export async function signIn(baseURL: string, username: string, password: string): Promise<string> {
  const csrfResponse = await fetch(`${baseURL}/api/auth/csrf`);
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken: string };
  const csrfCookie = csrfResponse.headers.getSetCookie().map((c) => c.split(';')[0]);
  const response = await fetch(`${baseURL}/api/auth/callback/credentials`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: csrfCookie.join('; ') },
    body: new URLSearchParams({ username, password, csrfToken, json: 'true' }),
    redirect: 'manual',
  });
  const session = response.headers.getSetCookie().find((c) => c.startsWith('next-auth.session-token='));
  if (!session) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  return session.split(';')[0];
}
