// The server's configuration: every variable validated once, at start, with one clear line
// per problem. Secrets that are not given are generated on first start and kept under
// DATA_DIR with mode 0600, so a default install needs no editing.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseDuration, parseSize } from './units';
import { resolveDataDir, resolveDatabaseUrl, resolveStorageDir } from './paths';

type Source = Record<string, string | undefined>;

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration like 30s, 15m, 24h or 7d` });
        return z.NEVER;
      }
      return ms;
    });

const size = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const bytes = parseSize(value);
      if (bytes === null || bytes <= 0) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a size like 500MiB or 10GiB` });
        return z.NEVER;
      }
      return bytes;
    });

const integer = (fallback: string, min: number, max: number) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const n = Number(value);
      if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `"${value}" must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const optionalDays = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value === '' || value === 'off') return null;
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < 1) {
      ctx.addIssue({ code: 'custom', message: `"${value}" must be a number of days (1 or more) or "off"` });
      return z.NEVER;
    }
    return n;
  });

const HASHES = ['sha256', 'sha1', 'sha512', 'sha384', 'md5', 'sha3-256'] as const;

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v.startsWith('file:'), 'must be a SQLite URL starting with file:'),
  STORAGE_DIR: z.string().optional(),
  PORT: integer('3000', 1, 65535),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || /^https?:\/\/[^/]+/.test(v), 'must be an origin like https://files.example.com'),
  AUTH_SECRET: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || v.split(',').every((s) => s.trim().length >= 32),
      'each comma-separated secret must be at least 32 characters',
    ),
  MASTER_SECRET: z
    .string()
    .optional()
    .refine((v) => v === undefined || v.length >= 32, 'must be at least 32 characters'),
  SESSION_MAX_AGE: duration('12h'),
  MAX_UPLOAD_SIZE: size('10GiB'),
  UPLOAD_CHUNK_SIZE: size('50MiB'),
  UPLOAD_EXPIRY: duration('24h'),
  DEFAULT_VISIBILITY: z.enum(['private', 'public']).default('private'),
  FILE_ID_ALGORITHM: z.enum(HASHES).default('sha256'),
  FILE_ID_LENGTH: integer('8', 4, 43),
  LINK_DEFAULT_TTL: duration('1d'),
  LINK_MAX_TTL: duration('7d'),
  LINK_SIGNING_ALG: z.enum(['HS256', 'EdDSA']).default('HS256'),
  KEY_ROTATION_INTERVAL: duration('24h'),
  CLOCK_SKEW: duration('30s'),
  ONE_TIME_RESUME_WINDOW: duration('10m'),
  LOG_ANONYMIZE_AFTER_DAYS: integer('30', 0, 36500),
  LOG_RETENTION_DAYS: optionalDays,
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '' || value === 'off' || value === 'false') return 0;
      if (value === 'true') return 1;
      const n = Number(value);
      if (!/^\d+$/.test(value.trim()) || n > 10) {
        ctx.addIssue({ code: 'custom', message: `"${value}" must be off or the number of trusted proxy hops (1-10)` });
        return z.NEVER;
      }
      return n;
    }),
  // Reliability (README, Reliability)
  DB_BUSY_TIMEOUT: duration('5s'),
  SHUTDOWN_TIMEOUT: duration('10s'),
  // Slow clients (README, Security: Slow clients and connection limits).
  HEADERS_TIMEOUT: duration('30s'),
  BODY_IDLE_TIMEOUT: duration('60s'),
  MAX_CONNECTIONS_PER_CLIENT: integer('100', 1, 100_000),
});

export type Env = {
  nodeEnv: 'development' | 'production' | 'test';
  dataDir: string;
  databaseUrl: string;
  storageDir: string;
  port: number;
  host: string;
  publicUrl: string;
  /** Newest first: the first signs sessions, all verify. */
  authSecrets: string[];
  masterSecret: string;
  sessionMaxAgeMs: number;
  maxUploadSize: number;
  uploadChunkSize: number;
  uploadExpiryMs: number;
  defaultVisibility: 'private' | 'public';
  fileIdAlgorithm: (typeof HASHES)[number];
  fileIdLength: number;
  linkDefaultTtlMs: number;
  linkMaxTtlMs: number;
  linkSigningAlg: 'HS256' | 'EdDSA';
  keyRotationIntervalMs: number;
  clockSkewMs: number;
  oneTimeResumeWindowMs: number;
  logAnonymizeAfterDays: number;
  logRetentionDays: number | null;
  trustProxy: number;
  /** How long a write waits (off the event loop) for the database's write lock before a 503. */
  dbBusyTimeoutMs: number;
  /** How long a stopping server waits for running requests and Next before it exits anyway. */
  shutdownTimeoutMs: number;
  /** A client must send its whole request head within this. */
  headersTimeoutMs: number;
  /** A request body that sends nothing for this long is cut. */
  bodyIdleTimeoutMs: number;
  /** Requests in progress at once per client IP; more are refused (429). */
  maxConnectionsPerClient: number;
};

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

/**
 * Validates `source` (normally process.env). With `generateSecrets`, missing secrets are read
 * from, or created in, DATA_DIR; without it they must be given.
 */
export function loadEnv(source: Source = process.env, { generateSecrets = true } = {}): Env {
  const parsed = schema.safeParse(stripEmpty(source));
  if (!parsed.success) {
    throw new EnvError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const v = parsed.data;
  const problems: string[] = [];
  if (v.LINK_DEFAULT_TTL > v.LINK_MAX_TTL) problems.push('LINK_DEFAULT_TTL: must not be longer than LINK_MAX_TTL');
  if (v.KEY_ROTATION_INTERVAL < 1000) problems.push('KEY_ROTATION_INTERVAL: must be at least 1s');
  if (v.HEADERS_TIMEOUT < 1000) problems.push('HEADERS_TIMEOUT: must be at least 1s');
  if (v.BODY_IDLE_TIMEOUT < 1000) problems.push('BODY_IDLE_TIMEOUT: must be at least 1s');
  if (problems.length) throw new EnvError(problems);

  const dataDir = resolveDataDir(source);
  const secret = (given: string | undefined, name: string) => {
    if (given) return given;
    if (!generateSecrets) throw new EnvError([`${name}: not set`]);
    return readOrCreateSecret(dataDir, name);
  };

  return {
    nodeEnv: v.NODE_ENV,
    dataDir,
    databaseUrl: resolveDatabaseUrl(source),
    storageDir: resolveStorageDir(source),
    port: v.PORT,
    host: v.HOST,
    publicUrl: (v.PUBLIC_URL ?? `http://localhost:${v.PORT}`).replace(/\/+$/, ''),
    authSecrets: secret(v.AUTH_SECRET, 'AUTH_SECRET')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    masterSecret: secret(v.MASTER_SECRET, 'MASTER_SECRET'),
    sessionMaxAgeMs: v.SESSION_MAX_AGE,
    maxUploadSize: v.MAX_UPLOAD_SIZE,
    // A chunk larger than the whole limit would only be refused; cap it there.
    uploadChunkSize: Math.min(v.UPLOAD_CHUNK_SIZE, v.MAX_UPLOAD_SIZE),
    uploadExpiryMs: v.UPLOAD_EXPIRY,
    defaultVisibility: v.DEFAULT_VISIBILITY,
    fileIdAlgorithm: v.FILE_ID_ALGORITHM,
    fileIdLength: v.FILE_ID_LENGTH,
    linkDefaultTtlMs: v.LINK_DEFAULT_TTL,
    linkMaxTtlMs: v.LINK_MAX_TTL,
    linkSigningAlg: v.LINK_SIGNING_ALG,
    keyRotationIntervalMs: v.KEY_ROTATION_INTERVAL,
    clockSkewMs: v.CLOCK_SKEW,
    oneTimeResumeWindowMs: v.ONE_TIME_RESUME_WINDOW,
    logAnonymizeAfterDays: v.LOG_ANONYMIZE_AFTER_DAYS,
    logRetentionDays: v.LOG_RETENTION_DAYS,
    trustProxy: v.TRUST_PROXY,
    dbBusyTimeoutMs: v.DB_BUSY_TIMEOUT,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT,
    headersTimeoutMs: v.HEADERS_TIMEOUT,
    bodyIdleTimeoutMs: v.BODY_IDLE_TIMEOUT,
    maxConnectionsPerClient: v.MAX_CONNECTIONS_PER_CLIENT,
  };
}

function stripEmpty(source: Source): Source {
  return Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
}

/** Reads DATA_DIR/secrets/<name>, creating it (0600, 256 random bits) on first use. */
function readOrCreateSecret(dataDir: string, name: string): string {
  const dir = path.join(dataDir, 'secrets');
  const file = path.join(dir, name.toLowerCase().replace(/_/g, '-'));
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(file)) {
    // Written aside and linked into place: link() fails if another process won the race,
    // and then we read theirs; nobody ever reads a half-written secret.
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
    fs.writeFileSync(tmp, crypto.randomBytes(32).toString('base64url') + '\n', { mode: 0o600 });
    try {
      fs.linkSync(tmp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.unlinkSync(tmp);
    }
  }
  const value = fs.readFileSync(file, 'utf8').trim();
  if (value.length < 32)
    throw new EnvError([`${name}: the generated secret in ${file} is damaged; delete it to make a new one`]);
  return value;
}

let cached: Env | undefined;

/** The process's configuration, validated on first use. */
export function env(): Env {
  cached ??= loadEnv();
  return cached;
}

/** Tests and the CLI point the process at another configuration. */
export function resetEnvForTests(): void {
  cached = undefined;
}
