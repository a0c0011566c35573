#!/usr/bin/env node
// `npm run bench`: the file server beside nginx and a bare-Node floor, in one run, on loopback
// only, with bounded counts and durations. What it measures and how to read it: bench/README.md.
//
//   npm run bench                  full run (3 rounds, 1 GiB transfers, 100,000 listed files)
//   npm run bench -- --short       a quick run for CI (1 round, 64 MiB, 10,000 files; no timing asserted)
//   options: --rounds N  --only a,b,c,d,e  --contenders ours,floor,...  --duration SECONDS  --size MIB  --links N
//            --candidate FILE.mjs  --no-build  --profile  --out FILE
//   --candidate: a download server to try (e.g. a proposed fix), started like ours (same env and
//   data dir, CANDIDATE_PORT) and measured beside it: (a), (b), (d) on `/<id>?t=` links, (c) on
//   POST /api/v1/files.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { ensureBuild } from '../bench/lib/ensure-build.mjs';
import { download, getEachOnce, hammer, mapConcurrent, MIB, plainWrite, upload } from '../bench/lib/load.mjs';
import { findNginx, nginxVersion, startNginx } from '../bench/lib/nginx.mjs';
import {
  childPids,
  cleanup,
  freePort,
  installCleanupHandlers,
  makeTempDir,
  memoryOf,
  pinLoadGenerator,
  processOutputs,
  rssOf,
  sleep,
  startProcess,
  withRssSampling,
} from '../bench/lib/processes.mjs';
import {
  formatNumber as n,
  formatRatio,
  loadAverage,
  machineInfo,
  medians,
  mib,
  ratio,
  table,
} from '../bench/lib/report.mjs';
import { addStoredFile, seedListedFiles } from '../bench/lib/seed.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (message) => console.log(`[bench] ${message}`);

function parseArgs(argv) {
  const args = {
    short: false,
    rounds: null,
    only: null,
    contenders: null,
    build: true,
    profile: false,
    out: path.join(root, 'bench', 'results.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--short') args.short = true;
    else if (arg === '--rounds') args.rounds = Number(argv[++i]);
    else if (arg === '--only') args.only = new Set(argv[++i].split(','));
    else if (arg === '--duration') args.duration = Number(argv[++i]);
    else if (arg === '--size') args.bigSize = Number(argv[++i]) * 1024 * 1024;
    else if (arg === '--links') args.oneTime = Number(argv[++i]);
    else if (arg === '--contenders') args.contenders = new Set(argv[++i].split(','));
    else if (arg === '--candidate') args.candidate = path.resolve(argv[++i]);
    else if (arg === '--no-build') args.build = false;
    else if (arg === '--profile') args.profile = true;
    else if (arg === '--out') args.out = path.resolve(argv[++i]);
    else if (arg === '--help' || arg === '-h') {
      console.log(
        fs
          .readFileSync(fileURLToPath(import.meta.url), 'utf8')
          .split('\n')
          .slice(1, 8)
          .join('\n')
          .replace(/^\/\/ ?/gm, ''),
      );
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (see --help)`);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
// transfers: big downloads and uploads per contender and round (one takes a second or two: a single one is
// at the mercy of whatever else the machine is doing).
const FULL = {
  rounds: 3,
  warmup: 3,
  duration: 10,
  bigSize: 1024 * MIB,
  transfers: 3,
  listRows: 100_000,
  oneTime: 2000,
  listDuration: 5,
};
const SHORT = {
  rounds: 1,
  warmup: 1,
  duration: 2,
  bigSize: 64 * MIB,
  transfers: 1,
  listRows: 10_000,
  oneTime: 300,
  listDuration: 2,
};
const config = { ...(args.short ? SHORT : FULL) };
for (const name of ['rounds', 'duration', 'bigSize', 'oneTime']) if (args[name]) config[name] = args[name];
const wants = (scenario) => !args.only || args.only.has(scenario);

const SMALL_SIZE = 4096;
const measurements = [];
const notes = [];
const record = (scenario, contender, label, round, metrics) =>
  measurements.push({ scenario, contender, label, round, metrics });

/** The contenders in a different order each round, so drift (other load, heat) spreads evenly. */
const rotate = (all, round) => {
  // --contenders narrows the lists it names anything in (e.g. for a profile of one contender).
  const chosen = args.contenders ? all.filter((c) => args.contenders.has(c.id)) : all;
  const list = chosen.length ? chosen : all;
  return list.map((_, i) => list[(i + round) % list.length]);
};

/** The server process and all its descendants (the Next child and anything it runs). */
function treeOf(pid) {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...childPids(all[i]));
  return all;
}

async function main() {
  const startedAt = new Date();
  const loadBefore = loadAverage();
  const machine = machineInfo(); // before pinning: nproc would say 1 after
  if (args.build) ensureBuild(root, { log });
  else log('build: skipped (--no-build)');

  const serverCores = pinLoadGenerator();
  if (serverCores) log('pinned: load generator on core 0, servers on core 1 (taskset)');
  else notes.push('not pinned: taskset missing or a single core; the load generator and the servers share the CPUs');

  const work = makeTempDir('fileserver-bench-');
  const dataDir = path.join(work, 'data');
  const storageDir = path.join(dataDir, 'files');
  const dbFile = path.join(dataDir, 'fileserver.db');
  fs.mkdirSync(dataDir, { recursive: true });

  const [port, nextPort, floorPort, nginxPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const base = `http://127.0.0.1:${port}`;
  const nextBase = `http://127.0.0.1:${nextPort}`;
  const adminPassword = `bench-${Math.random().toString(36).slice(2)}-Pw9!`;
  const serverEnv = {
    ...process.env,
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    STORAGE_DIR: '',
    AUTH_SECRET: '',
    MASTER_SECRET: '',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: base,
    NEXT_INTERNAL_PORT: String(nextPort),
    ADMIN_USERNAME: 'bench',
    ADMIN_PASSWORD: adminPassword,
    TRUST_PROXY: '',
    NODE_OPTIONS: '',
  };
  const cli = (...cliArgs) =>
    execFileSync(process.execPath, [path.join(root, 'dist', 'cli.mjs'), ...cliArgs], {
      cwd: root,
      env: serverEnv,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();

  // The database first (the CLI migrates a fresh data dir), then the rows, then the server.
  cli('file', 'list');
  let seconds = Date.now();
  seedListedFiles(dbFile, storageDir, config.listRows);
  log(`seeded ${n(config.listRows)} files into the database in ${((Date.now() - seconds) / 1000).toFixed(1)}s`);
  const small = await addStoredFile(dbFile, storageDir, 'bench-4k.bin', SMALL_SIZE);
  const big = await addStoredFile(dbFile, storageDir, 'bench-big.bin', config.bigSize);
  log(`files: ${small.id} (4 KiB), ${big.id} (${mib(config.bigSize)})`);

  let profileDir = null;
  const startEnv = { ...serverEnv };
  if (args.profile) {
    profileDir = path.join(root, 'bench', '.work', `profile-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
    fs.mkdirSync(profileDir, { recursive: true });
    // NODE_OPTIONS reaches the Next child too (Node 20 refuses --cpu-prof there, hence the
    // preload): one .cpuprofile per process, written when it stops.
    startEnv.NODE_OPTIONS = `--require ${path.join(root, 'bench', 'lib', 'cpu-profile-preload.cjs')}`;
    startEnv.BENCH_CPU_PROFILE_DIR = profileDir;
    log(`profiling the server processes into ${path.relative(root, profileDir)}`);
  }
  seconds = Date.now();
  const server = startProcess('fileserver', process.execPath, [path.join(root, 'dist', 'server.mjs')], {
    cores: serverCores,
    env: startEnv,
    cwd: root,
  });
  await server.waitFor('ready on');
  log(`fileserver ready on ${base} (Next on ${nextPort}) in ${((Date.now() - seconds) / 1000).toFixed(1)}s`);
  const ourPids = () => treeOf(server.pid);
  await sleep(1000);
  const idleRss = rssOf(ourPids());
  const idleFrontRss = memoryOf(server.pid).rss;

  let candidate = null;
  if (args.candidate) {
    const candidatePort = await freePort();
    const proc = startProcess('candidate', process.execPath, [args.candidate], {
      cores: serverCores,
      cwd: root,
      env: { ...startEnv, CANDIDATE_PORT: String(candidatePort) },
    });
    await proc.waitFor('candidate ready');
    candidate = { base: `http://127.0.0.1:${candidatePort}`, pids: () => treeOf(proc.pid) };
    log(`candidate ${path.relative(root, args.candidate)} on ${candidate.base}`);
  }

  const floorUploads = path.join(dataDir, 'floor-uploads');
  fs.mkdirSync(floorUploads);
  const floorSecret = new TextEncoder().encode(`floor-${Math.random().toString(36)}-${'x'.repeat(32)}`);
  const floorArgs = profileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-name=floor.cpuprofile']
    : [];
  const floor = startProcess('floor', process.execPath, [...floorArgs, path.join(root, 'bench', 'floor-server.mjs')], {
    cores: serverCores,
    cwd: root,
    env: {
      ...process.env,
      FLOOR_PORT: String(floorPort),
      FLOOR_ROOT: storageDir,
      FLOOR_SECRET: Buffer.from(floorSecret).toString(),
      FLOOR_UPLOAD_DIR: floorUploads,
    },
  });
  await floor.waitFor('floor ready');
  const floorBase = `http://127.0.0.1:${floorPort}`;
  const floorToken = (id) =>
    new SignJWT({ sub: id })
      .setProtectedHeader({ alg: 'HS256', kid: 'floor' })
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(floorSecret);

  const nginxBinary = findNginx();
  let nginx = null;
  if (nginxBinary) {
    nginx = await startNginx({
      binary: nginxBinary,
      prefix: makeTempDir('fileserver-bench-nginx-'),
      port: nginxPort,
      filesDir: storageDir,
      cores: serverCores,
    });
    log(`nginx (${nginxVersion(nginxBinary) ?? nginxBinary}) on ${nginx.url}`);
  } else {
    log('nginx is not installed: its rows and ratios are skipped');
    notes.push('nginx not installed: no nginx rows or ratios');
  }

  // Credentials and links, made the way a user makes them.
  const apiToken = cli('token', 'create', 'bench');
  const auth = { Authorization: `Bearer ${apiToken}` };
  const linkOf = (id, ...extra) => new URL(cli('link', 'create', id, '--ttl', '3h', ...extra).split('\n')[0]);
  const smallTracked = linkOf(small.id);
  const smallUntracked = linkOf(small.id, '--untracked');
  const bigTracked = linkOf(big.id);
  const session = await signIn(base, 'bench', adminPassword);
  const pathOf = (url) => url.pathname + url.search;

  const downloadContenders = (file, trackedLink, untrackedLink, token) => [
    { id: 'ours', label: 'fileserver, share link (untracked)', url: base + pathOf(untrackedLink), pids: ourPids },
    ...(trackedLink
      ? [
          {
            id: 'ours-tracked',
            label: 'fileserver, share link (tracked, the default)',
            url: base + pathOf(trackedLink),
            pids: ourPids,
          },
        ]
      : []),
    ...(candidate
      ? [
          {
            id: 'candidate',
            label: 'candidate, share link (untracked)',
            url: candidate.base + pathOf(untrackedLink),
            pids: candidate.pids,
          },
          ...(trackedLink
            ? [
                {
                  id: 'candidate-tracked',
                  label: 'candidate, share link (tracked)',
                  url: candidate.base + pathOf(trackedLink),
                  pids: candidate.pids,
                },
              ]
            : []),
        ]
      : []),
    {
      id: 'next',
      label: 'Next route handler (Next port direct)',
      url: nextBase + pathOf(untrackedLink),
      pids: ourPids,
    },
    {
      id: 'floor',
      label: 'bare Node floor (jose + fs stream)',
      url: `${floorBase}/${file.id}?t=${token}`,
      pids: () => [floor.pid],
    },
    ...(nginx
      ? [
          {
            id: 'nginx',
            label: 'nginx secure_link + sendfile',
            url: nginx.url + nginx.signedPath(file.id, 3 * 3600),
            pids: nginx.pids,
          },
          {
            id: 'nginx-plain',
            label: 'nginx plain sendfile (unsigned)',
            url: `${nginx.url}/plain/${file.id}`,
            pids: nginx.pids,
          },
        ]
      : []),
  ];
  const smallContenders = downloadContenders(small, smallTracked, smallUntracked, await floorToken(small.id));
  const bigUntracked = linkOf(big.id, '--untracked');
  const bigContenders = downloadContenders(big, bigTracked, bigUntracked, await floorToken(big.id)).filter(
    (c) => !c.id.endsWith('-tracked'),
  );

  // Every contender answers correctly before anything is timed.
  for (const c of smallContenders) {
    const response = await fetch(c.url);
    const body = Buffer.from(await response.arrayBuffer());
    if (response.status !== 200 || body.length !== SMALL_SIZE)
      throw new Error(`${c.label}: ${response.status}, ${body.length} bytes`);
  }

  const uploaders = [
    { id: 'ours', label: 'fileserver POST /api/v1/files (front server)', url: `${base}/api/v1/files` },
    { id: 'next', label: 'POST /api/v1/files on the Next port direct', url: `${nextBase}/api/v1/files` },
    {
      id: 'floor',
      label: 'bare Node floor (busboy + write + fsync)',
      url: `${floorBase}/upload`,
      pids: () => [floor.pid],
    },
    ...(candidate
      ? [
          {
            id: 'candidate',
            label: 'candidate POST /api/v1/files',
            url: `${candidate.base}/api/v1/files`,
            pids: candidate.pids,
          },
        ]
      : []),
    { id: 'disk', label: 'plain write + fsync, same file system', url: null },
  ];
  /** One measured-size upload; the file is deleted again (the floor removes its own). */
  const uploadOnce = async (u, tag) => {
    const result = await upload({
      url: u.url,
      size: config.bigSize,
      name: `bench-upload-${u.id}-${tag}.bin`,
      headers: auth,
    });
    if (u.id !== 'floor') {
      const removed = await fetch(`${base}/api/v1/files/${encodeURIComponent(result.body.id)}`, {
        method: 'DELETE',
        headers: auth,
      });
      if (removed.status !== 204) throw new Error(`DELETE of the uploaded file answered ${removed.status}`);
    }
    return result;
  };

  // Warm-up: JIT, page cache, connection pools. Not recorded.
  if (wants('a')) {
    log(`warm-up: ${config.warmup}s per contender`);
    for (const c of rotate(smallContenders, 0)) await hammer({ url: c.url, duration: config.warmup });
  }
  if (wants('b')) for (const c of rotate(bigContenders, 0)) await download(c.url, config.bigSize);
  // Measured: the first upload into a fresh server process ran at a third of the later ones.
  if (wants('c')) for (const u of rotate(uploaders, 0).filter((u) => u.url)) await uploadOnce(u, 'warm-up');

  // Profile the rounds only. Node processes only: SIGUSR2 would end anything else.
  const profiled = [...ourPids(), ...(candidate?.pids() ?? [])].filter(isNodeProcess);
  if (profileDir) for (const pid of profiled) process.kill(pid, 'SIGUSR2');

  for (let round = 0; round < config.rounds; round++) {
    log(`round ${round + 1} of ${config.rounds}`);
    if (wants('a')) {
      for (const c of rotate(smallContenders, round)) {
        const { result, peakRss } = await withRssSampling(c.pids, () =>
          hammer({ url: c.url, connections: 64, duration: config.duration }),
        );
        if (result.non2xx || result.errors)
          throw new Error(
            `(a) ${c.label}: ${result.non2xx} non-2xx answers ${JSON.stringify(result.statuses)}, ${result.errors} errors`,
          );
        record('a', c.id, c.label, round, { rps: result.rps, p50: result.p50, p99: result.p99, peakRss });
        log(`  (a) ${c.label}: ${n(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms`);
      }
    }
    if (wants('b')) {
      const order = Array.from({ length: config.transfers }, (_, t) => rotate(bigContenders, round + t)).flat();
      for (const c of order) {
        const { result, growth, peakRss } = await withRssSampling(c.pids, () => download(c.url, config.bigSize));
        record('b', c.id, c.label, round, {
          mbps: result.mbps,
          rssGrowth: growth,
          peakRss,
          contentLength: result.contentLength !== null,
        });
        log(
          `  (b) ${c.label}: ${n(result.mbps)} MB/s, RSS +${mib(growth)}${result.contentLength === null ? ', no Content-Length' : ''}`,
        );
      }
    }
    if (wants('c')) {
      // Several uploads per round, interleaved like (b): one upload depends on the disk's mood
      // (writeback, the host's other I/O) more than on the code path, so medians need samples.
      const order = Array.from({ length: config.transfers }, (_, t) => rotate(uploaders, round + t)).flat();
      for (const [i, u] of order.entries()) {
        if (!u.url) {
          const result = await plainWrite(path.join(dataDir, `plain-write-${round}-${i}.bin`), config.bigSize);
          record('c', u.id, u.label, round, { mbps: result.mbps });
          log(`  (c) ${u.label}: ${n(result.mbps)} MB/s`);
          continue;
        }
        const { result, growth, peakRss } = await withRssSampling(u.pids ?? ourPids, () =>
          uploadOnce(u, `${round}-${i}`),
        );
        record('c', u.id, u.label, round, { mbps: result.mbps, rssGrowth: growth, peakRss });
        log(`  (c) ${u.label}: ${n(result.mbps)} MB/s, RSS +${mib(growth)} (peak ${mib(peakRss)})`);
      }
    }
    const consumers = [{ id: 'ours', label: 'fileserver, one-time links (64 concurrent)', base }];
    if (candidate)
      consumers.push({ id: 'candidate', label: 'candidate, one-time links (64 concurrent)', base: candidate.base });
    for (const consumer of wants('d') ? rotate(consumers, round) : []) {
      seconds = Date.now();
      const made = await mapConcurrent(Array.from({ length: config.oneTime }), 8, async () => {
        const response = await fetch(`${base}/api/v1/files/${small.id}/links`, {
          method: 'POST',
          headers: { ...auth, 'Content-Type': 'application/json' },
          body: JSON.stringify({ ttlSeconds: 3600, maxDownloads: 1 }),
        });
        if (response.status !== 201)
          throw new Error(`link create answered ${response.status}: ${await response.text()}`);
        return (await response.json()).url;
      });
      const madePerSecond = config.oneTime / ((Date.now() - seconds) / 1000);
      const urls = made.map((url) => consumer.base + pathOf(new URL(url)));
      const result = await getEachOnce(urls, { concurrency: 64 });
      const again = await fetch(urls[0]);
      await again.arrayBuffer();
      if (result.statuses[200] !== urls.length || again.status !== 410) {
        throw new Error(
          `(d) ${consumer.label}: ${JSON.stringify(result.statuses)}, a second use answered ${again.status}`,
        );
      }
      record('d', consumer.id, consumer.label, round, { perSecond: result.perSecond, createdPerSecond: madePerSecond });
      log(
        `  (d) ${consumer.label}: ${n(config.oneTime)} consumed at ${n(result.perSecond)}/s (made at ${n(madePerSecond)}/s via the API)`,
      );
    }
    if (wants('e')) {
      const lists = [
        {
          id: 'admin',
          label: 'GET /admin (file list page, session)',
          url: `${base}/admin`,
          headers: { Cookie: session },
        },
        { id: 'api', label: 'GET /api/v1/files?limit=50', url: `${base}/api/v1/files?limit=50`, headers: auth },
        {
          id: 'api-search',
          label: 'GET /api/v1/files?q=seed-00099&limit=50 (search)',
          url: `${base}/api/v1/files?q=seed-00099&limit=50`,
          headers: auth,
        },
      ];
      if (round === 0) {
        await checkListAnswers(lists);
        for (const l of lists)
          await hammer({ url: l.url, headers: l.headers, connections: 1, duration: config.warmup });
      }
      for (const l of rotate(lists, round)) {
        const result = await hammer({ url: l.url, headers: l.headers, connections: 1, duration: config.listDuration });
        if (result.non2xx || result.errors)
          throw new Error(
            `(e) ${l.label}: ${result.non2xx} non-2xx answers ${JSON.stringify(result.statuses)}, ${result.errors} errors`,
          );
        record('e', l.id, l.label, round, { p50: result.p50, p99: result.p99, rps: result.rps });
        log(`  (e) ${l.label}: p50 ${result.p50} ms, p99 ${result.p99} ms`);
      }
    }
  }

  const [frontPid, ...nextPids] = ourPids();
  const front = memoryOf(frontPid);
  const nextMemory = nextPids.map(memoryOf);
  record('f', 'ours', 'fileserver RSS (front + Next)', 0, {
    idle: idleRss,
    idleFront: idleFrontRss,
    afterRun: front.rss + nextMemory.reduce((sum, m) => sum + m.rss, 0),
    afterRunFront: front.rss,
    hwmFront: front.hwm,
    hwmNext: nextMemory.reduce((sum, m) => sum + m.hwm, 0),
  });

  const summary = medians(measurements);
  const report = buildReport(summary);
  console.log(`\n${report.text}\n`);

  const results = {
    date: startedAt.toISOString(),
    mode: args.short ? 'short' : 'full',
    config: {
      ...config,
      smallSize: SMALL_SIZE,
      pinned: Boolean(serverCores),
      scenarios: args.only ? [...args.only] : 'all',
    },
    machine: { ...machine, loadAverageBefore: loadBefore, loadAverageAfter: loadAverage() },
    tools: {
      loadGenerator: 'autocannon 9 (64 connections) and plain Node http clients',
      nginx: nginxBinary ? nginxVersion(nginxBinary) : null,
    },
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    medians: summary,
    targets: report.targets,
    measurements,
    notes,
  };
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
  log(
    `results: ${path.relative(root, args.out)} (${results.durationSeconds}s, load average ${loadBefore.join(' ')} -> ${results.machine.loadAverageAfter.join(' ')})`,
  );

  if (profileDir) {
    await server.stop();
    log(`profiles: ${path.relative(root, profileDir)} (node bench/analyze-profile.mjs <file>)`);
  }
}

function isNodeProcess(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === process.execPath;
  } catch {
    return false;
  }
}

async function checkListAnswers(lists) {
  for (const l of lists) {
    const response = await fetch(l.url, { headers: l.headers, redirect: 'manual' });
    const body = await response.text();
    if (response.status !== 200 || !body.includes('bench-seed-')) {
      throw new Error(`(e) ${l.label}: ${response.status}, the seeded files are not in the answer`);
    }
  }
}

/** Signs in through next-auth's endpoints (as lib/testing/test-server.ts does); the session cookie. */
async function signIn(base, username, password) {
  const csrfResponse = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = await csrfResponse.json();
  const csrfCookie = csrfResponse.headers.getSetCookie().map((c) => c.split(';')[0]);
  const response = await fetch(`${base}/api/auth/callback/credentials`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: csrfCookie.join('; ') },
    body: new URLSearchParams({ username, password, csrfToken, json: 'true' }),
    redirect: 'manual',
  });
  const session = response.headers.getSetCookie().find((c) => c.startsWith('next-auth.session-token='));
  if (!session) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  return session.split(';')[0];
}

function buildReport(summary) {
  const get = (scenario, contender) =>
    summary.find((s) => s.scenario === scenario && s.contender === contender)?.metrics ?? null;
  const lines = [];
  const targets = [];
  const target = (name, value, goal, met, detail) => targets.push({ name, value, goal, met, detail });

  const a = summary.filter((s) => s.scenario === 'a');
  if (a.length) {
    const nginxA = get('a', 'nginx');
    const floorA = get('a', 'floor');
    lines.push('(a) 4 KiB file through a valid signed link, 64 connections');
    lines.push(
      table(
        ['server', 'req/s', 'p50 ms', 'p99 ms', 'peak RSS', 'req/s vs nginx', 'req/s vs floor', 'p99 vs floor'],
        a.map(({ label, metrics: m }) => [
          label,
          n(m.rps),
          n(m.p50, 1),
          n(m.p99, 1),
          mib(m.peakRss),
          formatRatio(ratio(m.rps, nginxA?.rps)),
          formatRatio(ratio(m.rps, floorA?.rps)),
          formatRatio(ratio(m.p99, floorA?.p99)),
        ]),
      ),
    );
    for (const id of ['ours', 'ours-tracked']) {
      const m = get('a', id);
      if (!m || !floorA) continue;
      const rps = ratio(m.rps, floorA.rps);
      const p99 = ratio(m.p99, floorA.p99);
      const kind = id === 'ours' ? 'untracked' : 'tracked';
      target(
        `4 KiB signed (${kind}) req/s vs floor`,
        rps,
        '>= 0.9x',
        rps >= 0.9,
        `${n(m.rps)} vs ${n(floorA.rps)} req/s`,
      );
      target(
        `4 KiB signed (${kind}) p99 vs floor`,
        p99,
        '<= 1.5x',
        p99 <= 1.5,
        `${n(m.p99, 1)} vs ${n(floorA.p99, 1)} ms`,
      );
    }
  }

  const b = summary.filter((s) => s.scenario === 'b');
  if (b.length) {
    const nginxB = get('b', 'nginx');
    const floorB = get('b', 'floor');
    lines.push('', `(b) ${mib(config.bigSize)} file through a signed link, one connection`);
    lines.push(
      table(
        ['server', 'MB/s', 'Content-Length', 'RSS growth', 'peak RSS', 'vs nginx', 'vs floor'],
        b.map(({ label, metrics: m }) => [
          label,
          n(m.mbps),
          m.contentLength ? 'yes' : 'NO',
          mib(m.rssGrowth),
          mib(m.peakRss),
          formatRatio(ratio(m.mbps, nginxB?.mbps)),
          formatRatio(ratio(m.mbps, floorB?.mbps)),
        ]),
      ),
    );
    const ours = get('b', 'ours');
    if (ours && nginxB) {
      const r = ratio(ours.mbps, nginxB.mbps);
      target(
        'big download MB/s vs nginx sendfile',
        r,
        '>= 0.9x',
        r >= 0.9,
        `${n(ours.mbps)} vs ${n(nginxB.mbps)} MB/s`,
      );
    }
    if (ours)
      target(
        'RSS growth during the download',
        ours.rssGrowth / 2 ** 20,
        '< 100 MiB',
        ours.rssGrowth < 100 * 2 ** 20,
        mib(ours.rssGrowth),
      );
  }

  const c = summary.filter((s) => s.scenario === 'c');
  if (c.length) {
    const disk = get('c', 'disk');
    lines.push('', `(c) upload of ${mib(config.bigSize)}, one multipart request`);
    lines.push(
      table(
        ['path', 'MB/s', 'RSS growth', 'peak RSS', 'vs plain write'],
        c.map(({ label, metrics: m }) => [
          label,
          n(m.mbps),
          mib(m.rssGrowth),
          mib(m.peakRss),
          formatRatio(ratio(m.mbps, disk?.mbps)),
        ]),
      ),
    );
    const ours = get('c', 'ours');
    if (ours && disk) {
      const r = ratio(ours.mbps, disk.mbps);
      target('big upload MB/s vs plain write', r, '>= 0.8x', r >= 0.8, `${n(ours.mbps)} vs ${n(disk.mbps)} MB/s`);
    }
    if (ours)
      target(
        'RSS growth during the upload',
        ours.rssGrowth / 2 ** 20,
        '< 100 MiB',
        ours.rssGrowth < 100 * 2 ** 20,
        mib(ours.rssGrowth),
      );
  }

  const dRows = summary.filter((s) => s.scenario === 'd');
  const d = get('d', 'ours');
  if (dRows.length) {
    lines.push('', `(d) ${n(config.oneTime)} one-time links, each GET once (4 KiB file, 64 concurrent)`);
    lines.push(
      table(
        ['server', 'consumed per second', 'made per second (POST /api/v1/files/{id}/links, 8 concurrent)'],
        dRows.map(({ label, metrics: m }) => [label, n(m.perSecond), n(m.createdPerSecond)]),
      ),
    );
  }
  if (d)
    target('one-time links consumed per second', d.perSecond, '>= 2,000/s', d.perSecond >= 2000, `${n(d.perSecond)}/s`);

  const e = summary.filter((s) => s.scenario === 'e');
  if (e.length) {
    lines.push('', `(e) file list at ${n(config.listRows)} files, one connection`);
    lines.push(
      table(
        ['request', 'p50 ms', 'p99 ms', 'req/s'],
        e.map(({ label, metrics: m }) => [label, n(m.p50, 1), n(m.p99, 1), n(m.rps)]),
      ),
    );
    for (const id of ['admin', 'api']) {
      const m = get('e', id);
      if (m)
        target(
          `file list p99 (${id === 'admin' ? 'page' : 'API'})`,
          m.p99,
          '< 100 ms',
          m.p99 < 100,
          `${n(m.p99, 1)} ms`,
        );
    }
  }

  const f = get('f', 'ours');
  if (f) {
    lines.push('', '(f) fileserver memory (front server + Next child)');
    lines.push(
      table(
        ['when', 'front + Next', 'front server', 'Next child'],
        [
          ['idle after start', mib(f.idle), mib(f.idleFront), mib(f.idle - f.idleFront)],
          ['after the run', mib(f.afterRun), mib(f.afterRunFront), mib(f.afterRun - f.afterRunFront)],
          ['peak (VmHWM)', mib(f.hwmFront + f.hwmNext), mib(f.hwmFront), mib(f.hwmNext)],
        ],
      ),
    );
  }

  lines.push('', 'Targets (medians of the rounds)');
  lines.push(
    table(
      ['target', 'goal', 'measured', 'ratio/value', 'met'],
      targets.map((t) => [
        t.name,
        t.goal,
        t.detail,
        typeof t.value === 'number' ? t.value.toFixed(2) : '-',
        t.met ? 'yes' : 'NO',
      ]),
    ),
  );
  if (args.short)
    lines.push(
      '',
      'Short mode: small sizes and few seconds; the numbers show the benchmark works, not how fast the server is.',
    );
  return { text: lines.join('\n'), targets };
}

installCleanupHandlers();
main()
  .then(() => cleanup())
  .catch(async (error) => {
    console.error(`[bench] failed: ${error instanceof Error ? error.stack : error}`);
    if (error?.cause) console.error('[bench] cause:', error.cause);
    console.error(processOutputs());
    await cleanup();
    process.exitCode = 1;
  });
