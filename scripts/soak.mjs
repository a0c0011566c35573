#!/usr/bin/env node
// `npm run soak`: a few minutes of mixed traffic against the built server on loopback (downloads
// big and small, public and through share links, one-time links raced by several clients, limited
// links, multipart and tus uploads read back by sha256, sign-ins, list pages and the list API).
// Checks: no request that should succeed fails, every one-time link is used exactly once, every
// upload reads back intact, and the server's RSS ends within 50 MiB of where it started.
//
//   npm run soak                   full run (1 minute of warm-up, then 3 minutes of traffic, 6 workers)
//   npm run soak -- --short        a quick run for CI (60 s of warm-up, 30 s of traffic)
//   options: --duration 30s|3m|SECONDS  --warmup 60s|SECONDS  --workers N  --big-size MIB  --no-build
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuild } from '../bench/lib/ensure-build.mjs';
import {
  childPids,
  cleanup,
  freePort,
  installCleanupHandlers,
  makeTempDir,
  memoryOf,
  processOutputs,
  sleep,
  startProcess,
} from '../bench/lib/processes.mjs';
import { formatNumber as n, loadAverage, mib, table } from '../bench/lib/report.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (message) => console.log(`[soak] ${message}`);
const sizeOf = (bytes) => (bytes < 1024 * 1024 ? `${n(bytes / 1024, 1)} KiB` : mib(bytes));
const KIB = 1024;
const MIB = 1024 * KIB;
const RSS_LIMIT = 50 * MIB;
/** No byte for this long on a connection is a failure; a slow answer is not. */
const IDLE_TIMEOUT_MS = 30_000;

function parseDuration(text) {
  const match = /^(\d+(?:\.\d+)?)(s|m)?$/.exec(String(text).trim());
  if (!match) throw new Error(`--duration: "${text}" is not e.g. 30s, 3m or 90`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

function parseArgs(argv) {
  const args = { short: false, build: true, duration: null, warmup: null, workers: 6, bigSize: 64 * MIB };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--short') args.short = true;
    else if (arg === '--duration') args.duration = parseDuration(argv[++i]);
    else if (arg === '--warmup') args.warmup = parseDuration(argv[++i]);
    else if (arg === '--workers') args.workers = Number(argv[++i]);
    else if (arg === '--big-size') args.bigSize = Number(argv[++i]) * MIB;
    else if (arg === '--no-build') args.build = false;
    else if (arg === '--help' || arg === '-h') {
      console.log(
        fs
          .readFileSync(fileURLToPath(import.meta.url), 'utf8')
          .split('\n')
          .slice(1, 10)
          .join('\n')
          .replace(/^\/\/ ?/gm, ''),
      );
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (see --help)`);
  }
  args.duration ??= args.short ? 30 : 180;
  // The start figure of RSS is taken after it: long enough for the processes' memory to reach its
  // working size under this mix (it grew for about a minute of traffic in the first runs).
  args.warmup ??= 60; // Next reaches its working size only after about a minute of this mix
  if (!(args.workers >= 1) || !(args.bigSize >= MIB)) throw new Error('--workers >= 1 and --big-size >= 1 please');
  return args;
}

const args = parseArgs(process.argv.slice(2));
const SMALL_SIZE = KIB;

// ---------------------------------------------------------------------------------------------
// Counting: every request by kind and outcome.

/** kind -> { requests, ok, refused (an expected refusal), failed, bytes, ms: [] } */
const kinds = new Map();
const failures = [];
const oneTime = { created: 0, exactlyOnce: 0, racers: 0 };
const uploads = { started: 0, verified: 0 };
let bytesDown = 0;
let bytesUp = 0;

function count(kind, outcome, { ms = 0, bytes = 0 } = {}) {
  if (!kinds.has(kind)) kinds.set(kind, { requests: 0, ok: 0, refused: 0, failed: 0, bytes: 0, ms: [] });
  const k = kinds.get(kind);
  k.requests++;
  k[outcome]++;
  k.bytes += bytes;
  if (ms) k.ms.push(ms);
}

class Failure extends Error {}

/** Records a request that should have succeeded (or been refused as documented) and did not. */
function fail(kind, what, answer) {
  const excerpt = answer?.text ? answer.text.replace(/\s+/g, ' ').slice(0, 300) : '';
  failures.push({
    at: new Date().toISOString(),
    kind,
    what,
    status: answer?.status ?? null,
    excerpt: answer?.error ? String(answer.error.message ?? answer.error) : excerpt,
  });
  throw new Failure(`${kind}: ${what}`);
}

// ---------------------------------------------------------------------------------------------
// One HTTP request, its body hashed as it streams (a 64 MiB download is never held in memory).

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
let base = '';

/**
 * `body`: a Buffer, or an async iterable of Buffers (then `Content-Length` must be in headers).
 * Resolves { status, headers, bytes, sha256, text (the first 256 KiB), ms } or { error }; never rejects.
 */
function send({ method = 'GET', url, headers = {}, body, fresh = false }) {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    let done = false;
    const finish = (answer) => {
      if (done) return;
      done = true;
      resolve({ ...answer, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    };
    const req = http.request(new URL(url, base), { method, headers, agent: fresh ? false : agent }, (res) => {
      const hash = crypto.createHash('sha256');
      const kept = [];
      let keptBytes = 0;
      let bytes = 0;
      res.on('data', (chunk) => {
        hash.update(chunk);
        bytes += chunk.length;
        if (keptBytes < 256 * KIB) {
          kept.push(chunk);
          keptBytes += chunk.length;
        }
      });
      res.on('error', (error) => finish({ error, status: res.statusCode }));
      res.on('aborted', () => finish({ error: new Error('response aborted'), status: res.statusCode }));
      res.on('end', () =>
        finish({
          status: res.statusCode,
          headers: res.headers,
          bytes,
          sha256: hash.digest('hex'),
          text: Buffer.concat(kept).toString('utf8'),
        }),
      );
    });
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`no byte for ${IDLE_TIMEOUT_MS / 1000}s`)));
    req.on('error', (error) => finish({ error }));
    if (body === undefined || Buffer.isBuffer(body) || typeof body === 'string') req.end(body);
    else
      (async () => {
        for await (const chunk of body) if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        req.end();
      })().catch((error) => req.destroy(error));
  });
}

const json = (answer) => {
  try {
    return JSON.parse(answer.text);
  } catch {
    return null;
  }
};

/** send() plus the check every request gets: an expected status (else a failure); returns the answer. */
async function expect(
  kind,
  request,
  { status = 200, refusal = null, sha256 = null, size = null, check, refused: isRefusal = false } = {},
) {
  const answer = await send(request);
  const what = `${request.method ?? 'GET'} ${String(request.url).replace(/([?&]t=)[^&]+/, '$1…')}`;
  if (answer.error) {
    count(kind, 'failed', answer);
    fail(kind, `${what}: ${answer.error.message}`, answer);
  }
  bytesDown += answer.bytes;
  const refused = refusal && answer.status === refusal.status;
  if (refused) {
    const code = json(answer)?.error?.code;
    if (refusal.code && code !== refusal.code) {
      count(kind, 'failed', answer);
      fail(kind, `${what}: refused with code ${code}, expected ${refusal.code}`, answer);
    }
    count(kind, 'refused', answer);
    return answer;
  }
  const problem =
    answer.status !== status
      ? `answered ${answer.status}, expected ${status}${refusal ? ` or ${refusal.status}` : ''}`
      : size !== null && answer.bytes !== size
        ? `${answer.bytes} bytes, expected ${size}`
        : sha256 && answer.sha256 !== sha256
          ? `sha256 ${answer.sha256.slice(0, 12)}…, expected ${sha256.slice(0, 12)}…`
          : check
            ? check(answer)
            : null;
  if (problem) {
    count(kind, 'failed', answer);
    fail(kind, `${what}: ${problem}`, answer);
  }
  count(kind, isRefusal ? 'refused' : 'ok', answer);
  return answer;
}

// ---------------------------------------------------------------------------------------------
// The bytes uploads send: random, different for every upload, hashed while they are generated.

function randomBody(size) {
  const hash = crypto.createHash('sha256');
  async function* chunks() {
    for (let sent = 0; sent < size; sent += MIB) {
      const chunk = crypto.randomBytes(Math.min(MIB, size - sent));
      hash.update(chunk);
      yield chunk;
    }
  }
  return { chunks, sha256: () => hash.digest('hex') };
}

function multipart(name, size) {
  const boundary = `----soak${crypto.randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const random = randomBody(size);
  async function* body() {
    yield head;
    yield* random.chunks();
    yield tail;
  }
  return {
    body: body(),
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.length + size + tail.length,
    sha256: random.sha256,
  };
}

async function collect(iterable) {
  const parts = [];
  for await (const chunk of iterable) parts.push(chunk);
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------
// The server's process tree and its memory.

function treeOf(pid) {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...childPids(all[i]));
  return all;
}

function nameOf(pid, frontPid) {
  if (pid === frontPid) return 'front server';
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return argv.some((a) => a.includes('next')) ? 'Next child' : path.basename(argv.at(-1) ?? String(pid));
  } catch {
    return `pid ${pid}`;
  }
}

/**
 * After `settleMs`, RSS of each process of the tree sampled once a second for `samples` seconds:
 * the minimum per process (a collection that is due frees its memory in one of them). Keeps
 * sampling up to `extraMs` more while `until(total)` is false. { pids: {pid: bytes}, total, tookMs }.
 */
async function settledRss(pids, { settleMs, samples, extraMs = 0, until = () => true }) {
  const started = Date.now();
  await sleep(settleMs);
  const min = Object.fromEntries(pids.map((pid) => [pid, Infinity]));
  const total = () => Object.values(min).reduce((a, b) => a + b, 0);
  let first = null;
  for (let i = 0; ; i++) {
    for (const pid of pids) min[pid] = Math.min(min[pid], memoryOf(pid).rss);
    const enough = i + 1 >= samples;
    if (i + 1 === samples) first = { pids: { ...min }, total: total() };
    if (enough && (until(total()) || Date.now() - started > settleMs + samples * 1000 + extraMs)) break;
    await sleep(1000);
  }
  return { pids: min, total: total(), first, tookMs: Date.now() - started };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const startedAt = Date.now();
  const loadBefore = loadAverage();
  if (args.build) ensureBuild(root, { log });
  else log('build: skipped (--no-build)');

  const work = makeTempDir('fileserver-soak-');
  const dataDir = path.join(work, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const [port, nextPort] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${port}`;
  const password = () => `soak-${crypto.randomBytes(9).toString('base64url')}-Pw9!`;
  const admin = { username: 'soak', password: password() };
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
    ADMIN_USERNAME: admin.username,
    ADMIN_PASSWORD: admin.password,
    TRUST_PROXY: '',
    NODE_OPTIONS: '',
  };
  const cli = (cliArgs, input) =>
    execFileSync(process.execPath, [path.join(root, 'dist', 'cli.mjs'), ...cliArgs], {
      cwd: root,
      env: serverEnv,
      encoding: 'utf8',
      input,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    }).trim();

  // The files the downloads use, uploaded with the CLI before the server starts (it migrates the
  // fresh data dir): small and big, public (plain /<id>) and private (share links only).
  const fixtures = {};
  for (const [key, size, visibility] of [
    ['publicSmall', SMALL_SIZE, 'public'],
    ['publicBig', args.bigSize, 'public'],
    ['privateSmall', SMALL_SIZE, 'private'],
    ['privateBig', args.bigSize, 'private'],
  ]) {
    const file = path.join(work, `soak-${key}.bin`);
    const random = randomBody(size);
    fs.writeFileSync(file, await collect(random.chunks()));
    const printed = cli(['file', 'upload', file, ...(visibility === 'public' ? ['--public'] : [])]);
    const id = /^(\S+)/.exec(printed)?.[1];
    fixtures[key] = { id, size, sha256: random.sha256(), name: path.basename(file) };
    fs.rmSync(file);
  }
  log(
    `files: ${Object.entries(fixtures)
      .map(([k, f]) => `${k} ${f.id} (${sizeOf(f.size)})`)
      .join(', ')}`,
  );

  let seconds = Date.now();
  const server = startProcess('fileserver', process.execPath, [path.join(root, 'dist', 'server.mjs')], {
    env: serverEnv,
    cwd: root,
  });
  await server.waitFor('ready on');
  log(`fileserver ready on ${base} (Next on ${nextPort}) in ${((Date.now() - seconds) / 1000).toFixed(1)}s`);

  // More admins to sign in as (the server made the first one from ADMIN_USERNAME), one sign-in
  // at a time each (see signIn below), and one for wrong passwords.
  const signers = [admin];
  for (let i = 1; i <= 3; i++) {
    const user = { username: `soak-${i}`, password: password() };
    cli(['user', 'add', user.username, '--password-stdin'], user.password);
    signers.push(user);
  }
  const victim = { username: 'soak-wrong', password: password() };
  cli(['user', 'add', victim.username, '--password-stdin'], victim.password);

  const token = cli(['token', 'create', 'soak', '--user', admin.username]);
  const auth = { Authorization: `Bearer ${token}` };
  const jsonHeaders = { ...auth, 'Content-Type': 'application/json' };

  // ---- the traffic -----------------------------------------------------------------------------

  const free = new Set(signers);
  let lastSignIn = 0;
  let wrongPasswords = 0;
  const sessions = [];

  /** next-auth's credentials flow, as lib/testing/test-server.ts signIn does; the session cookie. */
  async function signIn(user, { wrong = false } = {}) {
    const csrf = await expect(
      'sign-in: GET /api/auth/csrf',
      { url: '/api/auth/csrf' },
      {
        check: (a) => (json(a)?.csrfToken ? null : 'no csrfToken'),
      },
    );
    const cookie = [csrf.headers['set-cookie'] ?? []].flat().map((c) => c.split(';')[0]);
    const answer = await expect(
      wrong ? 'sign-in, wrong password (refused)' : 'sign-in: POST /api/auth/callback/credentials',
      {
        method: 'POST',
        url: '/api/auth/callback/credentials',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie.join('; ') },
        body: new URLSearchParams({
          username: user.username,
          password: wrong ? `${user.password}x` : user.password,
          csrfToken: json(csrf).csrfToken,
          json: 'true',
        }).toString(),
      },
      {
        status: wrong ? 401 : 200,
        refused: wrong,
        check: (a) => {
          const session = [a.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('next-auth.session-token='));
          if (wrong) return session ? 'a wrong password got a session' : null;
          return session ? null : 'no session cookie';
        },
      },
    );
    if (wrong) return null;
    return [answer.headers['set-cookie']]
      .flat()
      .find((c) => c.startsWith('next-auth.session-token='))
      .split(';')[0];
  }

  const PAGES = ['/admin', '/admin/links', '/admin/logs', '/admin/tokens', '/admin/keys'];
  const page = (cookie, pathname) =>
    expect(
      `page: GET ${pathname} (session)`,
      { url: pathname, headers: { Cookie: cookie } },
      {
        check: (a) =>
          /text\/html/.test(a.headers['content-type'] ?? '') && a.text.includes('soak')
            ? null
            : `not the signed-in page (${a.headers['content-type']})`,
      },
    );

  const download = (kind, file, url, headers = {}) =>
    expect(kind, { url, headers }, { sha256: file.sha256, size: file.size });

  async function createLink(file, body) {
    const answer = await expect(
      'link create: POST /api/v1/files/{id}/links',
      { method: 'POST', url: `/api/v1/files/${file.id}/links`, headers: jsonHeaders, body: JSON.stringify(body) },
      { status: 201, check: (a) => (json(a)?.url ? null : 'no url in the answer') },
    );
    const made = json(answer);
    const url = new URL(made.url);
    return { id: made.id, path: url.pathname + url.search };
  }

  /** The documented answer of a used-up link (README "Share links", "Answers"). */
  const USED = {
    status: 410,
    refused: true,
    check: (a) => (json(a)?.error?.code === 'link_used' ? null : `code ${json(a)?.error?.code}, not link_used`),
  };
  const oneTimeLinks = [];
  /** A one-time link raced by several fresh connections: exactly one 200 with the bytes, the rest 410. */
  async function oneTimeRace(file) {
    const link = await createLink(file, { ttlSeconds: 3600, maxDownloads: 1 });
    oneTime.created++;
    oneTimeLinks.push({ ...link, fileId: file.id });
    const racers = 4;
    oneTime.racers += racers;
    const kind = `one-time link GET, ${racers} racing (${file.size > SMALL_SIZE ? 'big' : 'small'})`;
    const refusal = { status: 410, code: 'link_used' };
    const answers = await Promise.allSettled(
      Array.from({ length: racers }, () =>
        expect(kind, { url: link.path, fresh: true }, { sha256: file.sha256, size: file.size, refusal }),
      ),
    );
    const rejected = answers.find((a) => a.status === 'rejected');
    if (rejected) throw rejected.reason;
    const winners = answers.filter((a) => a.value.status === 200).length;
    await expect('one-time link GET after the race (refused)', { url: link.path }, USED);
    if (winners !== 1) fail(kind, `${link.path.slice(0, 10)}…: ${winners} of ${racers} racers got the file`, null);
    oneTime.exactlyOnce++;
  }

  /** A link limited to 3 downloads: three 200s, then 410. */
  async function limitedLink(file) {
    const link = await createLink(file, { ttlSeconds: 3600, maxDownloads: 3 });
    for (let i = 0; i < 3; i++) await download('limited link (3) GET', file, link.path);
    await expect('limited link GET past its limit (refused)', { url: link.path }, USED);
  }

  /** Reads an upload back (public: no credentials; private: the session) and maybe deletes it. */
  async function readBack(id, size, sha256, visibility, session) {
    await expect(
      `upload read back: GET /<id> (${visibility})`,
      { url: `/${id}`, headers: visibility === 'public' ? {} : { Cookie: session } },
      { sha256, size },
    );
    uploads.verified++;
    if (Math.random() < 0.7) {
      await expect(
        'DELETE /api/v1/files/{id}',
        { method: 'DELETE', url: `/api/v1/files/${id}`, headers: auth },
        {
          status: 204,
        },
      );
      await expect(
        'GET /<id> after its delete (refused)',
        { url: `/${id}`, headers: { Cookie: session } },
        {
          status: 404,
          refused: true,
        },
      );
    }
  }

  let uploadSerial = 0;
  const uploadSize = (big) =>
    big ? args.bigSize : [0, 1, SMALL_SIZE, 100 * KIB + 7, MIB, 3 * MIB + 123][Math.floor(Math.random() * 6)];

  async function uploadMultipart(big, session) {
    const size = uploadSize(big);
    const visibility = Math.random() < 0.5 ? 'public' : 'private';
    const name = `soak-upload-${++uploadSerial}-${crypto.randomBytes(3).toString('hex')}.bin`;
    const body = multipart(name, size);
    uploads.started++;
    bytesUp += size;
    const answer = await expect(
      `upload: POST /api/v1/files (${big ? 'big' : 'small'})`,
      {
        method: 'POST',
        url: `/api/v1/files${visibility === 'public' ? '?visibility=public' : ''}`,
        headers: { ...auth, 'Content-Type': body.contentType, 'Content-Length': body.length },
        body: body.body,
      },
      {
        status: 201,
        check: (a) => {
          const file = json(a);
          return file?.id && file.size === size && file.name === name && file.visibility === visibility
            ? null
            : `unexpected file object`;
        },
      },
    );
    await readBack(json(answer).id, size, body.sha256(), visibility, session);
  }

  async function uploadTus(session) {
    const size = [1, 100 * KIB + 7, 2 * MIB + 5, 5 * MIB][Math.floor(Math.random() * 4)];
    const name = `soak-tus-${++uploadSerial}-${crypto.randomBytes(3).toString('hex')}.bin`;
    const visibility = Math.random() < 0.5 ? 'public' : 'private';
    const b64 = (s) => Buffer.from(s).toString('base64');
    const tus = { ...auth, 'Tus-Resumable': '1.0.0' };
    uploads.started++;
    bytesUp += size;
    const created = await expect(
      'upload: tus POST /api/uploads',
      {
        method: 'POST',
        url: '/api/uploads',
        headers: {
          ...tus,
          'Upload-Length': String(size),
          'Upload-Metadata': `filename ${b64(name)},visibility ${b64(visibility)}`,
        },
      },
      { status: 201, check: (a) => (a.headers.location ? null : 'no Location') },
    );
    const data = crypto.randomBytes(size);
    const cut = Math.floor(size / 2);
    let fileId = null;
    for (const [from, to] of [
      [0, cut],
      [cut, size],
    ]) {
      if (from === to) continue;
      const answer = await expect(
        'upload: tus PATCH',
        {
          method: 'PATCH',
          url: created.headers.location,
          headers: { ...tus, 'Upload-Offset': String(from), 'Content-Type': 'application/offset+octet-stream' },
          body: data.subarray(from, to),
        },
        {
          status: 204,
          check: (a) =>
            a.headers['upload-offset'] === String(to) ? null : `Upload-Offset ${a.headers['upload-offset']}`,
        },
      );
      fileId = answer.headers['x-file-id'] ?? null;
    }
    if (!fileId) fail('upload: tus PATCH', 'the last PATCH named no X-File-Id', null);
    await readBack(fileId, size, crypto.createHash('sha256').update(data).digest('hex'), visibility, session);
  }

  async function signInAndBrowse() {
    const user = [...free][Math.floor(Math.random() * free.size)];
    if (!user) return false;
    free.delete(user);
    try {
      const cookie = await signIn(user);
      sessions.push(cookie);
      await page(cookie, '/admin');
    } finally {
      free.add(user);
    }
    return true;
  }

  async function listApi() {
    const queries = ['?limit=50', '?limit=200&sort=size&order=desc', '?q=soak-upload&limit=20', '?sort=name'];
    const query = queries[Math.floor(Math.random() * queries.length)];
    const first = await expect(
      `list: GET /api/v1/files`,
      { url: `/api/v1/files${query}`, headers: auth },
      {
        check: (a) => (Array.isArray(json(a)?.items) ? null : 'no items'),
      },
    );
    const cursor = json(first).nextCursor;
    if (cursor)
      await expect(
        `list: GET /api/v1/files`,
        { url: `/api/v1/files${query}&cursor=${encodeURIComponent(cursor)}`, headers: auth },
        { check: (a) => (Array.isArray(json(a)?.items) ? null : 'no items') },
      );
  }

  const links = {
    smallTracked: (await createLink(fixtures.privateSmall, { ttlSeconds: 3 * 3600 })).path,
    smallUntracked: (await createLink(fixtures.privateSmall, { ttlSeconds: 3 * 3600, tracked: false })).path,
    bigTracked: (await createLink(fixtures.privateBig, { ttlSeconds: 3 * 3600 })).path,
    bigUntracked: (await createLink(fixtures.privateBig, { ttlSeconds: 3 * 3600, tracked: false })).path,
  };
  const adminSession = await signIn(admin);
  const { publicSmall, publicBig, privateSmall, privateBig } = fixtures;

  // What a worker does next: [weight, big?, action]. Big transfers (a download or upload of the
  // big size) are at most 2 at a time, so the mix stays mixed.
  const actions = [
    [20, false, () => download('download small: GET /<id> (public)', publicSmall, `/${publicSmall.id}`)],
    [14, false, () => download('download small: tracked link', privateSmall, links.smallTracked)],
    [10, false, () => download('download small: untracked link', privateSmall, links.smallUntracked)],
    [
      4,
      false,
      () =>
        download('download small: GET /<id> (session)', privateSmall, `/${privateSmall.id}`, { Cookie: adminSession }),
    ],
    [3, true, () => download('download big: GET /<id> (public)', publicBig, `/${publicBig.id}`)],
    [2, true, () => download('download big: tracked link', privateBig, links.bigTracked)],
    [2, true, () => download('download big: untracked link', privateBig, links.bigUntracked)],
    [10, false, () => oneTimeRace(privateSmall)],
    [1, true, () => oneTimeRace(privateBig)],
    [4, false, () => limitedLink(privateSmall)],
    [8, false, () => uploadMultipart(false, adminSession)],
    [1, true, () => uploadMultipart(true, adminSession)],
    [4, false, () => uploadTus(adminSession)],
    [6, false, () => page(adminSession, PAGES[Math.floor(Math.random() * PAGES.length)])],
    [10, false, () => listApi()],
    // At most one sign-in every 2 s and one at a time per admin: the limits count attempts in
    // flight (a success refunds its unit), see README "Signing in".
    [
      3,
      false,
      () => {
        if (Date.now() - lastSignIn < 2000) return false;
        lastSignIn = Date.now();
        return signInAndBrowse();
      },
    ],
    [
      1,
      false,
      () => {
        // A few wrong passwords, well under the 5 per username and IP in 15 minutes.
        if (wrongPasswords >= 3 || Date.now() - lastSignIn < 2000) return false;
        wrongPasswords++;
        lastSignIn = Date.now();
        return signIn(victim, { wrong: true });
      },
    ],
  ];
  const totalWeight = actions.reduce((sum, [w]) => sum + w, 0);
  let bigInFlight = 0;

  async function worker(until) {
    while (Date.now() < until) {
      let roll = Math.random() * totalWeight;
      const [, big, action] = actions.find(([w]) => (roll -= w) < 0) ?? actions[0];
      if (big && bigInFlight >= 2) continue;
      if (big) bigInFlight++;
      try {
        await action();
      } catch (error) {
        if (!(error instanceof Failure)) throw error;
      } finally {
        if (big) bigInFlight--;
      }
    }
  }

  // Warm-up: every action once, then a few seconds of the mix (code paths loaded, caches full).
  seconds = Date.now();
  for (const [, , action] of actions) {
    try {
      await action();
    } catch (error) {
      if (!(error instanceof Failure)) throw error;
    }
  }
  for (const cookie of [adminSession]) for (const p of PAGES) await page(cookie, p).catch(() => {});
  const warmup = args.warmup;
  await Promise.all(Array.from({ length: args.workers }, () => worker(Date.now() + warmup * 1000)));
  log(`warm-up: ${((Date.now() - seconds) / 1000).toFixed(1)}s`);

  const pids = treeOf(server.pid);
  const names = Object.fromEntries(pids.map((pid) => [pid, nameOf(pid, server.pid)]));
  const settle = { settleMs: 3000, samples: 5 };
  const rssStart = await settledRss(pids, settle);
  log(`RSS at start: ${mib(rssStart.total)} (${pids.map((p) => `${names[p]} ${mib(rssStart.pids[p])}`).join(', ')})`);

  log(`traffic: ${args.duration}s, ${args.workers} workers`);
  const trafficStarted = Date.now();
  const before = structuredClone([...kinds]);
  let peak = 0;
  const peakTimer = setInterval(() => {
    peak = Math.max(
      peak,
      treeOf(server.pid).reduce((sum, pid) => sum + memoryOf(pid).rss, 0),
    );
  }, 1000);
  const progress = setInterval(
    () => {
      const total = [...kinds.values()].reduce((sum, k) => sum + k.requests, 0);
      const rss = pids.map((pid) => `${names[pid]} ${mib(memoryOf(pid).rss)}`).join(', ');
      log(
        `  ${Math.round((Date.now() - trafficStarted) / 1000)}s: ${n(total)} requests, ${failures.length} failed; RSS ${rss}`,
      );
    },
    args.short ? 10_000 : 30_000,
  );
  await Promise.all(Array.from({ length: args.workers }, () => worker(trafficStarted + args.duration * 1000)));
  clearInterval(progress);
  clearInterval(peakTimer);
  const trafficSeconds = (Date.now() - trafficStarted) / 1000;
  log(`traffic done in ${trafficSeconds.toFixed(1)}s`);

  // Every one-time link, as the server counted it.
  const counted = new Map();
  for (const fileId of new Set(oneTimeLinks.map((l) => l.fileId))) {
    let cursor = null;
    do {
      const answer = await expect(
        'list: GET /api/v1/links?fileId=',
        {
          url: `/api/v1/links?fileId=${fileId}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          headers: auth,
        },
        { check: (a) => (Array.isArray(json(a)?.items) ? null : 'no items') },
      );
      for (const item of json(answer).items) counted.set(item.id, item.downloads);
      cursor = json(answer).nextCursor;
    } while (cursor);
  }
  const countedOnce = oneTimeLinks.filter((l) => counted.get(l.id) === 1).length;

  const endPids = treeOf(server.pid);
  const rssEnd = await settledRss(pids, {
    ...settle,
    extraMs: 30_000,
    until: (total) => total - rssStart.total <= RSS_LIMIT,
  });
  const hwm = Object.fromEntries(pids.map((pid) => [pid, memoryOf(pid).hwm]));

  seconds = Date.now();
  await server.stop();
  const stopSeconds = (Date.now() - seconds) / 1000;
  const exit = server.child.exitCode ?? server.child.signalCode;

  // ---- the figures -------------------------------------------------------------------------------
  const beforeMap = new Map(before);
  const rows = [...kinds.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, k]) => {
      const sorted = [...k.ms].sort((a, b) => a - b);
      const q = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null);
      return [
        kind,
        n(k.requests),
        n(k.requests - (beforeMap.get(kind)?.requests ?? 0)),
        n(k.ok),
        n(k.refused),
        k.failed ? `${n(k.failed)} !!` : '0',
        mib(k.bytes),
        n(q(0.5), 1),
        n(q(0.99), 1),
      ];
    });
  const totals = [...kinds.values()].reduce(
    (t, k) => ({ requests: t.requests + k.requests, failed: t.failed + k.failed, refused: t.refused + k.refused }),
    { requests: 0, failed: 0, refused: 0 },
  );
  console.log('');
  console.log(
    `Soak: ${trafficSeconds.toFixed(0)}s of traffic (${args.workers} workers) after ${warmup}s of warm-up; ` +
      `${n(totals.requests)} requests in all (${n(totals.requests / ((Date.now() - startedAt) / 1000), 1)}/s over the whole run), ` +
      `${n(totals.refused)} refused as documented, ${n(totals.failed)} failed; load average ${loadBefore.join(' ')} -> ${loadAverage().join(' ')}`,
  );
  console.log(
    table(
      ['kind', 'requests', 'in the timed part', 'ok', 'refused (expected)', 'failed', 'bytes', 'p50 ms', 'p99 ms'],
      rows,
    ),
  );
  console.log('');
  console.log(
    table(
      ['process', 'RSS start', `RSS end, first ${settle.samples} s`, 'RSS end', 'delta', 'peak (VmHWM)'],
      [
        ...pids.map((pid) => [
          `${names[pid]} (${pid})`,
          mib(rssStart.pids[pid]),
          mib(rssEnd.first.pids[pid]),
          mib(rssEnd.pids[pid]),
          `${rssEnd.pids[pid] >= rssStart.pids[pid] ? '+' : ''}${n((rssEnd.pids[pid] - rssStart.pids[pid]) / MIB, 1)} MiB`,
          mib(hwm[pid]),
        ]),
        [
          'all',
          mib(rssStart.total),
          mib(rssEnd.first.total),
          mib(rssEnd.total),
          `${rssEnd.total >= rssStart.total ? '+' : ''}${n((rssEnd.total - rssStart.total) / MIB, 1)} MiB`,
          `${mib(peak)} (sampled sum)`,
        ],
      ],
    ),
  );
  console.log(
    `(RSS: the minimum of once-a-second samples, each figure after ${settle.settleMs / 1000} s of quiet; start and "first" ` +
      `over ${settle.samples} samples, "end" sampled until within the limit or ${(rssEnd.tookMs / 1000).toFixed(0)} s after the traffic)`,
  );
  const rssDelta = rssEnd.total - rssStart.total;
  const checks = [
    ['requests that should have succeeded and failed', n(failures.length), failures.length === 0],
    [
      'one-time links used exactly once (racers' + ` ${oneTime.racers / Math.max(1, oneTime.created)} each)`,
      `${n(oneTime.exactlyOnce)} of ${n(oneTime.created)}`,
      oneTime.exactlyOnce === oneTime.created && oneTime.created > 0,
    ],
    [
      'one-time links the server counted exactly once (GET /api/v1/links)',
      `${n(countedOnce)} of ${n(oneTimeLinks.length)}`,
      countedOnce === oneTimeLinks.length,
    ],
    [
      'uploads read back intact (sha256)',
      `${n(uploads.verified)} of ${n(uploads.started)} (${mib(bytesUp)} sent)`,
      uploads.verified === uploads.started && uploads.started > 0,
    ],
    ['bytes downloaded', mib(bytesDown), true],
    ['RSS end - start (front + Next), at most 50 MiB', `${n(rssDelta / MIB, 1)} MiB`, rssDelta <= RSS_LIMIT],
    ['server process tree unchanged', `${pids.length} -> ${endPids.length} processes`, endPids.join() === pids.join()],
    [`server stopped on SIGTERM`, `exit ${exit} after ${stopSeconds.toFixed(1)}s`, exit === 0],
  ];
  console.log('');
  console.log(
    table(
      ['check', 'figure', 'passed'],
      checks.map(([a, b, ok]) => [a, b, ok ? 'yes' : 'NO']),
    ),
  );
  if (failures.length) {
    console.log(`\nFirst failures (of ${failures.length}):`);
    for (const f of failures.slice(0, 8))
      console.log(`- ${f.at} ${f.what} [status ${f.status ?? '-'}]${f.excerpt ? `: ${f.excerpt}` : ''}`);
  }
  const failed = checks.filter(([, , ok]) => !ok);
  if (failed.length) {
    console.log(`\n[soak] FAILED: ${failed.map(([what]) => what).join('; ')}`);
    console.log(processOutputs(30));
    process.exitCode = 1;
  } else log(`passed in ${((Date.now() - startedAt) / 1000).toFixed(0)}s`);
}

installCleanupHandlers();
main()
  .then(() => cleanup())
  .catch(async (error) => {
    console.error(`[soak] failed: ${error instanceof Error ? error.stack : error}`);
    if (error?.cause) console.error('[soak] cause:', error.cause);
    console.error(processOutputs());
    await cleanup();
    process.exitCode = 1;
  });
