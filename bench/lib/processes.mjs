// Processes and temp dirs of a benchmark run: started pinned to the server core, all of them
// stopped and removed on the way out (normal end, error, SIGINT/SIGTERM).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const children = new Set();
const started = [];
const tempDirs = new Set();
const cleanups = [];

export function hasCommand(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * With taskset and two or more cores: the load generator (this process, all its threads) on
 * core 0, the servers on core 1. Returns the core list to pin servers to, or null.
 */
export function pinLoadGenerator() {
  if (os.cpus().length < 2 || !hasCommand('taskset')) return null;
  execFileSync('taskset', ['-a', '-pc', '0', String(process.pid)], { stdio: 'ignore' });
  return '1';
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function makeTempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Starts `command args` (through `taskset -c <cores>` when pinned); output kept for errors. */
export function startProcess(name, command, args, { cores, env, cwd } = {}) {
  const [file, argv] = cores ? ['taskset', ['-c', cores, command, ...args]] : [command, args];
  const child = spawn(file, argv, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => {
    output += chunk;
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  children.add(child);
  child.once('exit', () => children.delete(child));
  started.push({ name, child, output: () => output });
  return {
    name,
    child,
    pid: child.pid,
    output: () => output,
    async waitFor(text, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (!output.includes(text)) {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`${name} exited early:\n${output.slice(-4000)}`);
        if (Date.now() > deadline)
          throw new Error(`${name} did not print "${text}" within ${timeoutMs / 1000}s:\n${output.slice(-4000)}`);
        await sleep(50);
      }
    },
    stop: () => stopChild(child),
  };
}

async function stopChild(child, graceMs = 8000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The last lines each started process printed, for the report of a failed run. */
export function processOutputs(lines = 15) {
  return started
    .map(({ name, child, output }) => {
      const state =
        child.exitCode !== null || child.signalCode !== null
          ? `exited (${child.exitCode ?? child.signalCode})`
          : 'running';
      const tail = output().trimEnd().split('\n').slice(-lines).join('\n');
      return `--- ${name} (pid ${child.pid}, ${state}) ---\n${tail}`;
    })
    .join('\n');
}

/** Runs `fn` at cleanup (before the processes are killed), e.g. to stop something by pid file. */
export function onCleanup(fn) {
  cleanups.push(fn);
}

let cleaning = null;
export function cleanup() {
  cleaning ??= (async () => {
    for (const fn of cleanups.reverse())
      await Promise.resolve()
        .then(fn)
        .catch(() => {});
    // Grandchildren first noted (the Next child of our server), so none outlives its parent.
    const grandchildren = [...children].flatMap((c) => childPids(c.pid));
    await Promise.all([...children].map((c) => stopChild(c)));
    for (const pid of grandchildren) killQuietly(pid, 'SIGKILL');
    for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
    tempDirs.clear();
  })();
  return cleaning;
}

export function installCleanupHandlers() {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the servers and removing temp files...`);
      cleanup().finally(() => process.exit(130));
    });
  }
}

export function childPids(pid) {
  if (!pid) return [];
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function killQuietly(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** VmRSS and VmHWM of a pid in bytes (0 when it is gone). */
export function memoryOf(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: field('VmRSS'), hwm: field('VmHWM') };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

export const rssOf = (pids) => pids.reduce((sum, pid) => sum + memoryOf(pid).rss, 0);

/**
 * Samples the summed RSS of `pids()` every `everyMs` while `fn` runs: { result, startRss,
 * peakRss, growth }. Cheap (one /proc read per pid per sample), on the load generator's core.
 */
export async function withRssSampling(pids, fn, everyMs = 50) {
  const list = pids();
  const startRss = rssOf(list);
  let peakRss = startRss;
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, rssOf(list));
  }, everyMs);
  try {
    const result = await fn();
    peakRss = Math.max(peakRss, rssOf(list));
    return { result, startRss, peakRss, growth: peakRss - startRss };
  } finally {
    clearInterval(timer);
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
