// Runs `next start` as a child process on a loopback port. Next stays out of the front server's
// process: loading it there slows even the code that bypasses it (see README, Performance).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function startNext({ root, port, env }: { root: string; port: number; env: NodeJS.ProcessEnv }): ChildProcess {
  const nextBin = path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
  const guard = path.join(root, 'lib', 'server', 'next-child-guard.cjs');
  // Next keeps idle connections from the front server for 75 s; the front server's pool drops
  // them after 30 s (lib/server/proxy.ts), so a request never goes out on a socket Next is
  // closing at that moment (the soak test saw 1 POST in ~1,000 answered 502 under load before).
  const keepAlive = ['--keepAliveTimeout', '75000'];
  // A young generation of at most 2 x 4 MiB instead of V8's 2 x 16 MiB: under a burst of
  // requests V8 grows it and the RSS stays up long after (the soak test measured Next +99 MiB
  // after 30 s of traffic, +56 MiB after 6 min; with 4 MiB it was back below its start).
  const heap = ['--max-semi-space-size=4'];
  return spawn(
    process.execPath,
    [...heap, '--require', guard, nextBin, 'start', ...keepAlive, '--hostname', '127.0.0.1', '--port', String(port)],
    {
      cwd: root,
      env,
      // An IPC channel: the Next process reports key-ring changes (lib/keys rotateKeys).
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  );
}

/** Resolves when the Next server answers on its port; rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the Next server exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the Next server did not start within ${timeoutMs / 1000}s`);
}
