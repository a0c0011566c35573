// `npm start`: validates the configuration, applies pending migrations, makes sure there is a
// way to the first admin, starts Next on a loopback port and serves the public port itself
// (lib/server/front-server.ts): downloads straight from the download core, everything else
// passed through to Next. `--downloads-only` runs the download service alone.
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import type http from 'node:http';
import v8 from 'node:v8';
import { closeDb, prepareDatabase } from '../db';
import { batchedWriteStats } from '../db/batched-writes';
import { applyPendingMigrations, projectRoot, refuseMissingDatabase } from '../db/migrate';
import { EnvError, env, type Env } from '../env';
import { PRIVATE_DIR_MODE, restrictNewFiles, tightenDataModes } from '../env/file-modes';
import { startScheduler } from './scheduler';
import { checkStorageConsistency, cleanupTempFiles, describeStorageConsistency } from '../files';
import { invalidateKeyCache, KEY_RING_CHANGED, startKeyRotationSchedule } from '../keys';
import { runScheduledLogMaintenance } from '../audit/anonymize';
// The store module only (not lib/uploads): the front server must not load next-auth or @tus/server.
import { cleanUpExpiredUploads } from '../uploads/upload-store';
import { prepareFirstAdmin } from './first-admin-at-start';
import { flushDownloads } from '../delivery/record-download';
import { flushLinkDenials } from '../links/record-link-denied';
import { createFrontServer } from './front-server';
import type { NextUpstream } from './proxy';
import { freePort, startNext, waitForPort } from './start-next';

const log = (message: string) => console.log(`[fileserver] ${message}`);

// Before anything is created: files 0600, directories 0700 (lib/env/file-modes.ts).
restrictNewFiles();

// The old generation may grow to 4x its live size before a full GC (V8's own upper bound for
// its dynamic factor), instead of the factor V8 picks once the heap has shrunk after a busy
// spell. Measured: with V8's choice an upload after the download benchmarks ran a full GC
// every ~60 ms (the request's socket buffers being promoted) and went at half the disk's
// speed; with this, 3 full GCs in the whole run and uploads at the disk's speed. Costs a few
// tens of MiB of heap at most (the front server's live heap is about 25 MiB).
v8.setFlagsFromString('--heap-growing-percent=300');

// `--downloads-only`: the download service alone (downloads, share links, JWKS), no admin UI.
const downloadsOnly = process.argv.includes('--downloads-only');

async function main() {
  let config: Env;
  try {
    config = env();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  refuseMissingDatabase(config.databaseUrl, config.storageDir);
  fs.mkdirSync(config.storageDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const applied = await applyPendingMigrations(config.databaseUrl);
  // Once, after the migrations made the database: what an earlier version left wider is narrowed.
  tightenDataModes(config);
  if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
  await prepareDatabase();
  // Reported, never repaired automatically: an operator decides what a stray file means.
  for (const line of describeStorageConsistency(await checkStorageConsistency())) log(line);
  // Every server process runs it; a unique rotation slot makes exactly one key per interval.
  const keyRotation = startKeyRotationSchedule();
  const stopScheduler = startScheduler(
    [
      {
        name: 'temp-file cleanup',
        everyMs: 60 * 60_000,
        run: async () => {
          const removed = await cleanupTempFiles(config.uploadExpiryMs);
          return removed.length ? `removed ${removed.length} abandoned temp file(s)` : undefined;
        },
      },
      // Once at start and daily: anonymize old audit entries (and delete past LOG_RETENTION_DAYS).
      { name: 'log maintenance', everyMs: 24 * 60 * 60_000, run: () => runScheduledLogMaintenance() },
      {
        name: 'expired upload cleanup',
        everyMs: 60 * 60_000,
        run: async () => {
          const removed = await cleanUpExpiredUploads();
          return removed ? `removed ${removed} expired partial upload(s)` : undefined;
        },
      },
    ],
    log,
  );

  // The public port first: a port in use fails the start before a Next child or a setup link exists.
  const upstream = downloadsOnly ? null : await nextUpstream();
  const server = createFrontServer({
    upstream,
    trustProxy: config.trustProxy,
    publicUrl: config.publicUrl,
    limits: {
      headersTimeoutMs: config.headersTimeoutMs,
      bodyIdleTimeoutMs: config.bodyIdleTimeoutMs,
      maxConnectionsPerClient: config.maxConnectionsPerClient,
    },
  });
  await listen(server, config);
  if (!downloadsOnly) await prepareFirstAdmin(config, log);
  const next = upstream ? await launchNext(config, upstream) : null;
  log(
    `ready on ${config.publicUrl} (listening on ${config.host}:${config.port}${downloadsOnly ? ', downloads only' : ''})`,
  );

  let stopping = false;
  next?.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[fileserver] the Next server stopped (${signal ?? `exit code ${code}`}); stopping too`);
    void flushRecords().finally(() => process.exit(1));
  });
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    setTimeout(() => {
      console.error(`[fileserver] still stopping after ${config.shutdownTimeoutMs / 1000}s; exiting`);
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    stopScheduler();
    keyRotation.stop();
    next?.kill('SIGTERM');
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeIdleConnections();
    // What is already acknowledged is stored before anything is waited for.
    await flushRecords();
    // Then the downloads still running finish (their records follow) and Next stops.
    await Promise.all([closed, next && next.exitCode === null ? once(next, 'exit') : null]);
    await flushRecords();
    for (const { name, pending } of batchedWriteStats()) {
      if (pending) console.error(`[fileserver] ${pending} ${name} record(s) could not be stored before exit`);
    }
    await closeDb();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

const flushRecords = () => Promise.all([flushDownloads(), flushLinkDenials()]);

async function listen(server: http.Server, config: Env): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, resolve);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${config.port} is in use on ${config.host}`, { cause: error });
    if (code === 'EACCES') throw new Error(`not allowed to listen on port ${config.port}`, { cause: error });
    throw error;
  }
}

async function nextUpstream(): Promise<NextUpstream> {
  return {
    host: '127.0.0.1',
    port: Number(process.env.NEXT_INTERNAL_PORT) || (await freePort()),
    secret: crypto.randomBytes(32).toString('base64url'),
  };
}

/** Starts `next start` on a loopback port and waits until it answers. */
async function launchNext(config: Env, upstream: NextUpstream): Promise<ChildProcess> {
  const child = startNext({
    root: projectRoot(),
    port: upstream.port,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATA_DIR: config.dataDir,
      DATABASE_URL: config.databaseUrl,
      STORAGE_DIR: config.storageDir,
      PUBLIC_URL: config.publicUrl,
      AUTH_SECRET: config.authSecrets.join(','),
      MASTER_SECRET: config.masterSecret,
      NEXTAUTH_URL: config.publicUrl,
      FILESERVER_INTERNAL_SECRET: upstream.secret,
      PORT: String(upstream.port),
    },
  });
  // Whatever way this process ends (a failed start included), the child goes with it; a kill -9
  // of this process is handled in the child (lib/server/next-child-guard.cjs).
  process.once('exit', () => child.kill('SIGKILL'));
  child.stdout?.resume(); // Next's own banner names its internal port; ours names the public one.
  child.on('message', (message: { type?: string }) => {
    if (message?.type === KEY_RING_CHANGED) invalidateKeyCache();
  });
  await waitForPort(upstream.port, 60_000, child);
  return child;
}

main().catch((error) => {
  console.error(`[fileserver] could not start: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.DEBUG) console.error(error);
  process.exit(1);
});
