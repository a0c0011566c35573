// `npm start`: validates the configuration, applies pending migrations, makes sure there is a
// way to the first admin, starts Next on a loopback port and serves the public port itself:
// downloads straight from the download core, everything else passed through to Next.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { closeDb, prepareDatabase } from '../db';
import { applyPendingMigrations, projectRoot } from '../db/migrate';
import { EnvError, env, type Env } from '../env';
import { resolveClientIp } from '../http/client-ip';
import { isDownloadPath } from '../delivery/resolve-download';
import { isReservedPath } from '../files/reserved-paths';
import { serveDownload } from './serve-download';
import { startScheduler } from './scheduler';
import { checkStorageConsistency, cleanupTempFiles, describeStorageConsistency } from '../files';
import { invalidateKeyCache, KEY_RING_CHANGED, startKeyRotationSchedule } from '../keys';
import { runScheduledLogMaintenance } from '../audit/anonymize';
// The store module only (not lib/uploads): the front server must not load next-auth or @tus/server.
import { cleanUpExpiredUploads } from '../uploads/upload-store';
import { serveJwks } from './serve-jwks';
import { prepareFirstAdmin } from './first-admin-at-start';
import { proxyToNext, type NextUpstream } from './proxy';
import { freePort, startNext, waitForPort } from './start-next';

const log = (message: string) => console.log(`[fileserver] ${message}`);

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

  fs.mkdirSync(config.storageDir, { recursive: true });
  const applied = await applyPendingMigrations(config.databaseUrl);
  if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
  await prepareDatabase();
  await prepareFirstAdmin(config, log);
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

  const root = projectRoot();
  const upstream: NextUpstream = {
    host: '127.0.0.1',
    port: Number(process.env.NEXT_INTERNAL_PORT) || (await freePort()),
    secret: crypto.randomBytes(32).toString('base64url'),
  };
  const next = startNext({
    root,
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
  next.stdout?.resume(); // Next's own banner names its internal port; ours names the public one.
  next.on('message', (message: { type?: string }) => {
    if (message?.type === KEY_RING_CHANGED) invalidateKeyCache();
  });
  let stopping = false;
  next.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[fileserver] the Next server stopped (${signal ?? `exit code ${code}`}); stopping too`);
    process.exit(1);
  });

  const server = http.createServer((req, res) => {
    const clientIp = resolveClientIp({
      socketAddress: req.socket.remoteAddress,
      forwardedFor: req.headers['x-forwarded-for'],
      realIp: req.headers['x-real-ip'],
      trustProxy: config.trustProxy,
    });
    // The raw path, not `new URL(...).pathname`: that would resolve `%2e%2e` into `..`.
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const pathname = queryAt === -1 ? target : target.slice(0, queryAt);
    if (pathname === '/.well-known/jwks.json') {
      void serveJwks(req, res);
      return;
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && isDownloadPath(pathname, isReservedPath)) {
      const searchParams = new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1));
      void serveDownload(req, res, { pathname, searchParams }, clientIp);
      return;
    }
    proxyToNext(req, res, upstream, clientIp);
  });
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 0; // uploads of many GiB take as long as they take
  server.headersTimeout = 60_000;

  await waitForPort(upstream.port, 60_000, next);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  log(`ready on ${config.publicUrl} (listening on ${config.host}:${config.port})`);

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    stopScheduler();
    keyRotation.stop();
    server.close();
    server.closeIdleConnections();
    next.kill('SIGTERM');
    const force = setTimeout(() => process.exit(0), 5000);
    force.unref();
    next.once('exit', async () => {
      await closeDb();
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error) => {
  console.error(`[fileserver] could not start: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.DEBUG) console.error(error);
  process.exit(1);
});
