// The offline schema engine stand-in, driven by the real Prisma CLI as users run it. If a Prisma
// upgrade breaks the stand-in (other engine hash, changed protocol), these tests fail.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findNativeSchemaEngine, offlineSchemaEnginePath, useOfflineSchemaEngineWhenNeeded } from './select';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const prismaCli = path.join(root, 'node_modules/prisma/build/index.js');
const standIn = path.join(root, 'prisma/engine/schema-engine.mjs');
const migrationsDir = path.join(root, 'prisma/migrations');

let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-engine-test-'));
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs the Prisma CLI from the project root as a user would, the config choosing the engine. */
async function prisma(args: string[], databaseUrl: string): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
    NO_COLOR: '1',
  };
  delete env.PRISMA_SCHEMA_ENGINE_BINARY;
  delete env.PRISMA_MIGRATION_ENGINE_BINARY;
  try {
    return await run(process.execPath, [prismaCli, ...args], { cwd: root, env, timeout: 45_000 });
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`prisma ${args.join(' ')} failed: ${message}\n${stdout}\n${stderr}`, { cause: error });
  }
}

function migrationNames(): string[] {
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

function modelNames(schema: string): string[] {
  return [...schema.matchAll(/^model\s+(\w+)\s*\{/gm)].map((match) => match[1]);
}

/** The engine hash the installed Prisma CLI expects (the one it would download natively). */
function expectedEngineHash(): string {
  const prismaRequire = createRequire(path.join(root, 'node_modules/prisma/package.json'));
  const enginesRequire = createRequire(prismaRequire.resolve('@prisma/engines/package.json'));
  const pkg = JSON.parse(fs.readFileSync(enginesRequire.resolve('@prisma/engines-version/package.json'), 'utf8'));
  return pkg.prisma.enginesVersion;
}

describe('offline schema engine stand-in', () => {
  it('reports the engine hash the installed Prisma CLI expects', async () => {
    const { stdout } = await run(process.execPath, [standIn, '--version'], { cwd: root });
    expect(stdout.trim()).toBe(`schema-engine-cli ${expectedEngineHash()}`);
  });

  it('migrate deploy creates the tables and records the migrations like the native engine', async () => {
    const file = path.join(tmp, 'deploy.db');
    const url = `file:${file}`;
    const { stdout } = await prisma(['migrate', 'deploy'], url);
    expect(stdout).toContain('All migrations have been successfully applied');

    const names = migrationNames();
    expect(names.length).toBeGreaterThan(0);
    const db = new Database(file, { readonly: true });
    try {
      const tables = new Set(
        (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
          (r) => r.name,
        ),
      );
      for (const model of modelNames(fs.readFileSync(path.join(root, 'prisma/schema.prisma'), 'utf8'))) {
        expect(tables, `table of model ${model}`).toContain(model);
      }
      const rows = db.prepare('SELECT * FROM _prisma_migrations ORDER BY migration_name').all() as Array<
        Record<string, unknown>
      >;
      expect(rows.map((row) => row.migration_name)).toEqual(names);
      for (const row of rows) {
        const sql = fs.readFileSync(path.join(migrationsDir, String(row.migration_name), 'migration.sql'));
        expect(row.checksum).toBe(crypto.createHash('sha256').update(sql).digest('hex'));
        expect(row.finished_at).not.toBeNull();
        expect(row.rolled_back_at).toBeNull();
        expect(row.applied_steps_count).toBe(1);
        expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
        // Integer milliseconds, as the native engine stores them.
        expect(typeof row.started_at).toBe('number');
        expect(Math.abs(Number(row.finished_at) - Date.now())).toBeLessThan(10 * 60_000);
      }
    } finally {
      db.close();
    }

    const status = await prisma(['migrate', 'status'], url);
    expect(status.stdout).toContain('Database schema is up to date!');
  });

  it('migrate reset --force empties the database and reapplies the migrations', async () => {
    const file = path.join(tmp, 'reset.db');
    const url = `file:${file}`;
    await prisma(['migrate', 'deploy'], url);
    const before = new Database(file);
    before.exec('CREATE TABLE leftover (x); CREATE VIEW leftover_view AS SELECT 1;');
    before.close();

    await prisma(['migrate', 'reset', '--force'], url);
    const db = new Database(file, { readonly: true });
    try {
      const names = (db.prepare('SELECT name FROM sqlite_master').all() as { name: string }[]).map((r) => r.name);
      expect(names).not.toContain('leftover');
      expect(names).not.toContain('leftover_view');
      expect(db.prepare('SELECT COUNT(*) AS n FROM _prisma_migrations').get()).toEqual({ n: migrationNames().length });
    } finally {
      db.close();
    }
  });

  it('migrate dev --create-only writes the migration for a schema change', async () => {
    // A copy of the project's schema and migrations with one more field and one more model.
    const work = path.join(tmp, 'dev');
    fs.cpSync(migrationsDir, path.join(work, 'migrations'), { recursive: true });
    const schema = fs.readFileSync(path.join(root, 'prisma/schema.prisma'), 'utf8');
    const [firstModel] = modelNames(schema);
    const changed =
      schema
        .replace(/output\s*=\s*"[^"]*"/, `output = "${path.join(work, 'generated').replaceAll('\\', '/')}"`)
        .replace(new RegExp(`^model\\s+${firstModel}\\s*\\{`, 'm'), (head) => `${head}\n  standInProbe String?`) +
      '\nmodel StandInProbe {\n  id   Int     @id @default(autoincrement())\n  note String?\n}\n';
    fs.writeFileSync(path.join(work, 'schema.prisma'), changed);
    // The config goes through the project's engine selection, like prisma.config.ts.
    const selectModule = path.join(root, 'prisma/engine/select.ts').replaceAll('\\', '/');
    fs.writeFileSync(
      path.join(work, 'prisma.config.ts'),
      `import { useOfflineSchemaEngineWhenNeeded } from '${selectModule}';\n` +
        'useOfflineSchemaEngineWhenNeeded();\n' +
        "export default { schema: 'schema.prisma', migrations: { path: 'migrations' }, datasource: { url: process.env.DATABASE_URL } };\n",
    );

    const { stdout } = await prisma(
      ['migrate', 'dev', '--create-only', '--name', 'probe', '--config', path.join(work, 'prisma.config.ts')],
      `file:${path.join(work, 'dev.db')}`,
    );
    expect(stdout).toContain('created the following migration without applying it');
    const created = fs.readdirSync(path.join(work, 'migrations')).filter((name) => name.endsWith('_probe'));
    expect(created).toHaveLength(1);
    const sql = fs.readFileSync(path.join(work, 'migrations', created[0], 'migration.sql'), 'utf8');
    expect(sql).toContain(`ALTER TABLE "${firstModel}" ADD COLUMN "standInProbe" TEXT`);
    expect(sql).toContain('CREATE TABLE "StandInProbe"');
  });
});

describe('engine selection (select.ts)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('points the CLI at the stand-in when no native engine is installed', () => {
    delete process.env.PRISMA_SCHEMA_ENGINE_BINARY;
    delete process.env.PRISMA_MIGRATION_ENGINE_BINARY;
    useOfflineSchemaEngineWhenNeeded();
    if (findNativeSchemaEngine()) {
      expect(process.env.PRISMA_SCHEMA_ENGINE_BINARY).toBeUndefined();
    } else {
      expect(process.env.PRISMA_SCHEMA_ENGINE_BINARY).toBe(offlineSchemaEnginePath());
      expect(fs.existsSync(offlineSchemaEnginePath())).toBe(true);
    }
  });

  it('keeps an engine chosen explicitly', () => {
    process.env.PRISMA_SCHEMA_ENGINE_BINARY = '/somewhere/schema-engine';
    useOfflineSchemaEngineWhenNeeded();
    expect(process.env.PRISMA_SCHEMA_ENGINE_BINARY).toBe('/somewhere/schema-engine');
  });

  it('finds a native binary for this machine, not one for another platform', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-engine-select-'));
    try {
      const here =
        process.platform === 'win32'
          ? 'windows.exe'
          : process.platform === 'darwin'
            ? process.arch === 'arm64'
              ? 'darwin-arm64'
              : 'darwin'
            : process.arch === 'arm64'
              ? 'linux-arm64-openssl-3.0.x'
              : 'debian-openssl-3.0.x';
      const elsewhere = process.platform === 'darwin' ? 'windows.exe' : 'darwin-arm64';
      fs.writeFileSync(path.join(dir, `schema-engine-${elsewhere}`), 'x');
      fs.writeFileSync(path.join(dir, `schema-engine-${here}.sha256`), 'x');
      expect(findNativeSchemaEngine([dir])).toBeUndefined();
      fs.writeFileSync(path.join(dir, `schema-engine-${here}`), 'x');
      expect(findNativeSchemaEngine([dir])).toBe(path.join(dir, `schema-engine-${here}`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
