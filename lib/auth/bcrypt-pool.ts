// bcryptjs off the request thread: a small pool of worker threads runs hash and compare, so a
// burst of sign-ins (about 250 ms of CPU each at cost 12) never stalls the event loop that
// answers every other request. bcryptjs is pure JS; each worker loads it from node_modules.
// Workers start on first use, are unreferenced while idle (a CLI command still exits), and
// are replaced when one dies.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

type Job = { op: 'hash' | 'compare'; args: [string, string | number] };
type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };
type Slot = { worker: Worker; busy: number; pending: Map<number, Pending> };

// The worker's code, as a string so no bundler has to know about a second entry point.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(require.resolve('bcryptjs', { paths: workerData.paths }));
parentPort.on('message', ({ id, op, args }) => {
  try {
    const value = op === 'hash' ? bcrypt.hashSync(args[0], args[1]) : bcrypt.compareSync(args[0], args[1]);
    parentPort.postMessage({ id, value });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message) });
  }
});`;

const POOL_SIZE = Math.max(1, Math.min(2, os.availableParallelism() - 1));

const globalForPool = globalThis as unknown as { fileserverBcryptPool?: Slot[]; fileserverBcryptJobId?: number };

function searchPaths(): string[] {
  const paths = [process.cwd()];
  try {
    paths.push(path.dirname(fileURLToPath(import.meta.url)));
  } catch {
    // not a file URL (some bundles): the working directory is enough
  }
  return paths;
}

function startSlot(pool: Slot[], index: number): Slot {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { paths: searchPaths() } });
  worker.unref();
  const slot: Slot = { worker, busy: 0, pending: new Map() };
  worker.on('message', ({ id, value, error }: { id: number; value?: unknown; error?: string }) => {
    const job = slot.pending.get(id);
    if (!job) return;
    slot.pending.delete(id);
    slot.busy -= 1;
    if (slot.busy === 0) worker.unref();
    if (error !== undefined) job.reject(new Error(error));
    else job.resolve(value);
  });
  const fail = (error: Error) => {
    for (const job of slot.pending.values()) job.reject(error);
    slot.pending.clear();
    if (pool[index] === slot) pool[index] = startSlot(pool, index);
  };
  worker.on('error', fail);
  worker.on('exit', (code) => {
    if (slot.pending.size) fail(new Error(`bcrypt worker exited with code ${code}`));
  });
  return slot;
}

function pool(): Slot[] {
  if (!globalForPool.fileserverBcryptPool) {
    const slots: Slot[] = [];
    for (let i = 0; i < POOL_SIZE; i++) slots.push(startSlot(slots, i));
    globalForPool.fileserverBcryptPool = slots;
  }
  return globalForPool.fileserverBcryptPool;
}

function run<T>(job: Job): Promise<T> {
  const slots = pool();
  const slot = slots.reduce((least, candidate) => (candidate.busy < least.busy ? candidate : least));
  const id = (globalForPool.fileserverBcryptJobId = (globalForPool.fileserverBcryptJobId ?? 0) + 1);
  return new Promise<T>((resolve, reject) => {
    slot.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    slot.busy += 1;
    slot.worker.ref(); // a job in flight keeps the process alive until it answers
    slot.worker.postMessage({ id, ...job });
  });
}

export function bcryptHash(password: string, cost: number): Promise<string> {
  return run<string>({ op: 'hash', args: [password, cost] });
}

export function bcryptCompare(password: string, hash: string): Promise<boolean> {
  return run<boolean>({ op: 'compare', args: [password, hash] });
}

/** Stops the workers (tests; a process exits without it, idle workers are unreferenced). */
export async function closeBcryptPool(): Promise<void> {
  const slots = globalForPool.fileserverBcryptPool ?? [];
  globalForPool.fileserverBcryptPool = undefined;
  await Promise.all(slots.map((slot) => slot.worker.terminate()));
}
