// One process tree: the Next child never outlives the server (kill -9 included), the server
// never outlives Next, and a start that fails leaves no child behind.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server';

const root = path.resolve(import.meta.dirname, '..', '..');
const servers: TestServer[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

/** Pids of live processes whose environment names `dataDir` (the server and its Next child). */
function processesOf(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'latin1');
      const state = /^State:\s+(\w)/m.exec(fs.readFileSync(`/proc/${entry}/status`, 'latin1'))?.[1];
      if (state !== 'Z' && environ.split('\0').includes(`DATA_DIR=${dataDir}`)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const state = /^State:\s+(\w)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1];
    return state !== 'Z';
  } catch {
    return false;
  }
}

describe.skipIf(process.platform !== 'linux')('process tree', () => {
  it('ends the Next child when the server is killed with SIGKILL', async () => {
    const server = await startTestServer();
    servers.push(server);
    const tree = processesOf(server.dataDir);
    expect(tree).toContain(server.pid);
    const next = tree.filter((pid) => pid !== server.pid);
    expect(next.length).toBeGreaterThan(0);

    await server.kill('SIGKILL');
    await waitUntil(() => next.every((pid) => !alive(pid)), 10_000, 'the Next child exits');
    expect(processesOf(server.dataDir)).toEqual([]);
  });

  it('stops the server when its Next child dies', async () => {
    const server = await startTestServer();
    servers.push(server);
    const next = processesOf(server.dataDir).filter((pid) => pid !== server.pid);
    process.kill(next[0], 'SIGKILL');
    await waitUntil(() => !alive(server.pid), 10_000, 'the server exits');
    expect(server.output()).toContain('the Next server stopped');
    await waitUntil(() => processesOf(server.dataDir).length === 0, 10_000, 'no process is left');
  });

  it('leaves no child behind when the port is taken', async () => {
    const first = await startTestServer();
    servers.push(first);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fileserver-busy-port-'));
    const port = new URL(first.baseURL).port;
    const second = spawn(process.execPath, [path.join(root, 'dist/server.mjs')], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production', DATA_DIR: dataDir, PORT: port, HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    second.stdout.on('data', (chunk) => (output += chunk));
    second.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise((resolve) => second.once('exit', resolve));
    expect(code).toBe(1);
    expect(output).toMatch(new RegExp(`port ${port} is in use`));
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
    await waitUntil(() => processesOf(dataDir).length === 0, 10_000, 'no process of the failed start is left');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
