import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvError, loadEnv } from './index';
import { formatSize, parseDuration, parseSize } from './units';

const dirs: string[] = [];
function tempDataDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'env-test-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('loadEnv', () => {
  it('gives a working configuration from nothing but a data dir', () => {
    const dataDir = tempDataDir();
    const config = loadEnv({ DATA_DIR: dataDir });
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBe(`file:${path.join(dataDir, 'fileserver.db')}`);
    expect(config.storageDir).toBe(path.join(dataDir, 'files'));
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.maxUploadSize).toBe(10 * 1024 ** 3);
    expect(config.defaultVisibility).toBe('private');
    expect(config.linkMaxTtlMs).toBe(7 * 86_400_000);
    expect(config.keyRotationIntervalMs).toBe(86_400_000);
    expect(config.trustProxy).toBe(0);
    expect(config.logRetentionDays).toBeNull();
  });

  it('generates secrets once, keeps them under DATA_DIR with mode 0600, and reuses them', () => {
    const dataDir = tempDataDir();
    const first = loadEnv({ DATA_DIR: dataDir });
    const second = loadEnv({ DATA_DIR: dataDir });
    expect(first.authSecrets[0].length).toBeGreaterThanOrEqual(32);
    expect(second.authSecrets).toEqual(first.authSecrets);
    expect(second.masterSecret).toBe(first.masterSecret);
    const file = path.join(dataDir, 'secrets', 'auth-secret');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('accepts several session secrets during a rotation, newest first', () => {
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(40);
    const config = loadEnv({ DATA_DIR: tempDataDir(), AUTH_SECRET: `${a}, ${b}` });
    expect(config.authSecrets).toEqual([a, b]);
  });

  it('reports every bad variable on its own line', () => {
    let caught: unknown;
    try {
      loadEnv({
        DATA_DIR: tempDataDir(),
        PORT: 'eighty',
        MAX_UPLOAD_SIZE: 'huge',
        LINK_SIGNING_ALG: 'none',
        TRUST_PROXY: 'x',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvError);
    const problems = (caught as EnvError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/PORT: "eighty" must be a whole number/);
    expect(problems.join('\n')).toMatch(/MAX_UPLOAD_SIZE: "huge" is not a size/);
    expect(problems.join('\n')).toMatch(/LINK_SIGNING_ALG/);
    expect(problems.join('\n')).toMatch(/TRUST_PROXY/);
  });

  it('refuses a default link TTL longer than the maximum and a short session secret', () => {
    expect(() => loadEnv({ DATA_DIR: tempDataDir(), LINK_DEFAULT_TTL: '8d' })).toThrow(/LINK_DEFAULT_TTL/);
    expect(() => loadEnv({ DATA_DIR: tempDataDir(), AUTH_SECRET: 'short' })).toThrow(/AUTH_SECRET: each/);
  });
});

describe('units', () => {
  it('parses durations and sizes as operators write them', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('90d')).toBe(90 * 86_400_000);
    expect(parseDuration('10')).toBe(10_000);
    expect(parseDuration('soon')).toBeNull();
    expect(parseSize('10GiB')).toBe(10 * 1024 ** 3);
    expect(parseSize('100MB')).toBe(100_000_000);
    expect(parseSize('512')).toBe(512);
    expect(parseSize('5 parsecs')).toBeNull();
    expect(formatSize(1536)).toBe('1.5 KiB');
    expect(formatSize(812)).toBe('812 B');
  });
});
