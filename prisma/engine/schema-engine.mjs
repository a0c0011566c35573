#!/usr/bin/env node
// Offline stand-in for Prisma's native `schema-engine` binary (see README.md beside this file).
//
// The Prisma CLI runs this file through PRISMA_SCHEMA_ENGINE_BINARY (set by select.ts, which
// prisma.config.ts calls) exactly as it would run the native binary:
//   schema-engine --version                                   -> "schema-engine-cli <hash>"
//   schema-engine --datasource <json> cli <command>           -> one-shot, result logged on stderr
//   schema-engine --datamodels <file>... --datasource <json>  -> JSON-RPC 2.0 server on stdio
// The work itself is done by Prisma's schema engine compiled to WebAssembly: the .wasm bundled
// in the `prisma` CLI package (same engine hash as the CLI), driven through the JS glue of
// @prisma/schema-engine-wasm and the better-sqlite3 driver adapter. SQLite only.
//
// Plain ESM JavaScript with production dependencies only: it runs after `npm ci --omit=dev`.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Logging in the native engine's format: one JSON object per line on stderr. The CLI reads
// `fields.message`, and takes `level: "ERROR"` lines as the error (one-shot commands look for
// `target: "schema_engine::logger"` and `fields.error_code`).

function log(level, fields, target = 'schema_engine') {
  const line = { timestamp: new Date().toISOString(), level, fields, target };
  try {
    process.stderr.write(`${JSON.stringify(line)}\n`);
  } catch {
    // stderr closed: nothing useful to do.
  }
}

/** An error carrying a Prisma error code (e.g. P1003), like the engine's user-facing errors. */
class EngineError extends Error {
  constructor(message, errorCode, meta) {
    super(message);
    this.errorCode = errorCode;
    this.meta = meta;
  }
}

// ---------------------------------------------------------------------------------------------
// Arguments, as the CLI passes them (structopt-style flags of the native binary).

function parseArgs(argv) {
  const args = { datamodels: [], datasource: undefined, version: false, help: false, cli: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`Missing value for ${arg}`);
      return argv[++i];
    };
    if (arg === '--version' || arg === '-V') args.version = true;
    else if (arg === '--help' || arg === '-h') args.help = true;
    else if (arg === '--datamodels' || arg === '-d') {
      args.datamodels.push(value());
      // `--datamodels a b c` is accepted as well as repeated flags.
      while (i + 1 < argv.length && !argv[i + 1].startsWith('-') && argv[i + 1] !== 'cli')
        args.datamodels.push(argv[++i]);
    } else if (arg.startsWith('--datamodels=')) args.datamodels.push(arg.slice('--datamodels='.length));
    else if (arg === '--datasource') args.datasource = JSON.parse(value());
    else if (arg.startsWith('--datasource=')) args.datasource = JSON.parse(arg.slice('--datasource='.length));
    else if (arg === '--enabled-preview-features' || arg === '--extension-types')
      value(); // not needed for SQLite
    else if (arg === 'cli') {
      args.cli = argv[i + 1];
      break;
    } else throw new Error(`Unknown argument: ${arg}`);
  }
  return args;
}

// ---------------------------------------------------------------------------------------------
// SQLite URLs. Relative paths are relative to the working directory, which the CLI sets to the
// folder of prisma.config.ts, as for the native engine.

function sqliteFilePath(url) {
  if (typeof url !== 'string' || url === '') {
    throw new EngineError('The datasource URL is empty: set it in prisma.config.ts.', 'P1012');
  }
  if (!url.startsWith('file:')) {
    throw new Error(
      `The offline schema engine stand-in (prisma/engine/schema-engine.mjs) only supports SQLite "file:" URLs, got "${url.split(':')[0]}:".`,
    );
  }
  let rest = url.slice('file:'.length);
  if (rest.startsWith('//')) rest = rest.slice(2); // file:///abs/path or file://./rel
  rest = rest.split('?')[0];
  try {
    rest = decodeURIComponent(rest);
  } catch {
    // keep as is
  }
  if (rest === ':memory:') return rest;
  return path.resolve(process.cwd(), rest);
}

function openSqlite(file, options = {}) {
  const Database = require('better-sqlite3');
  return new Database(file, { timeout: 10_000, ...options });
}

function databaseMissingError(file) {
  return new EngineError(`Database \`${path.basename(file)}\` does not exist at \`${file}\``, 'P1003', {
    database_file_name: path.basename(file),
    database_file_path: file,
  });
}

function canConnect(url) {
  const file = sqliteFilePath(url);
  if (file === ':memory:') return;
  if (!fs.existsSync(file)) throw databaseMissingError(file);
  const db = openSqlite(file, { readonly: true, fileMustExist: true });
  try {
    db.prepare('PRAGMA schema_version').get(); // fails on a file that is not a database
  } finally {
    db.close();
  }
}

function createDatabase(url) {
  const file = sqliteFilePath(url);
  if (file !== ':memory:') {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    openSqlite(file).close();
  }
  return { databaseName: file === ':memory:' ? file : path.basename(file) };
}

function dropDatabase(url) {
  const file = sqliteFilePath(url);
  if (file === ':memory:') return;
  for (const suffix of ['', '-journal', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
}

/**
 * Runs `fn` with a better-sqlite3 connection to the datasource: the engine's own when it has one
 * open (it takes `locking_mode=EXCLUSIVE`, so a second connection would wait for the lock until
 * it times out), else a short-lived one. Returns `fallback` when the file does not exist.
 */
function withDatabase(url, engineConnection, fn, fallback) {
  if (engineConnection) return fn(engineConnection);
  const file = sqliteFilePath(url);
  if (file === ':memory:' || !fs.existsSync(file)) return fallback;
  const db = openSqlite(file, { fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** Drops every table, view, index and trigger: `reset` through the adapter leaves them. */
function dropAllObjects(db) {
  const foreignKeys = db.pragma('foreign_keys', { simple: true });
  db.pragma('foreign_keys = OFF');
  try {
    const objects = db
      .prepare(
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND type IN ('view', 'table', 'trigger')",
      )
      .all();
    const quote = (name) => `"${name.replaceAll('"', '""')}"`;
    for (const type of ['trigger', 'view', 'table']) {
      for (const object of objects.filter((o) => o.type === type)) {
        db.exec(`DROP ${type.toUpperCase()} IF EXISTS ${quote(object.name)}`);
      }
    }
    // Indexes go with their tables; sqlite_sequence cannot be dropped, only emptied.
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").get())
      db.exec('DELETE FROM sqlite_sequence');
    if (!db.inTransaction) db.exec('VACUUM');
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
}

function hasMigrationsTable(db) {
  return !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'").get();
}

// ---------------------------------------------------------------------------------------------
// The wasm engine.

let glueModule;

/** Imports a .wasm file for the glue, or explains why it does not fit. */
async function instantiate(glue, wasmFile) {
  const module = await WebAssembly.compile(fs.readFileSync(wasmFile));
  const missing = WebAssembly.Module.imports(module).filter(
    (entry) => entry.module === './schema_engine_bg.js' && typeof glue[entry.name] !== 'function',
  );
  if (missing.length > 0) {
    throw new Error(`the JS glue lacks ${missing.map((entry) => entry.name).join(', ')}`);
  }
  return WebAssembly.instantiate(module, { './schema_engine_bg.js': glue });
}

/**
 * Loads the wasm engine with the wasm-bindgen glue of @prisma/schema-engine-wasm. The .wasm is
 * the one the prisma CLI ships (same engine hash as the CLI); should it be missing or not fit
 * the glue, the package's own .wasm (another engine version: `--version` then shows a hash
 * the CLI does not expect, and the stand-in's test fails).
 */
async function loadWasm() {
  if (glueModule) return glueModule;
  const glue = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  const cliWasm = path.join(path.dirname(require.resolve('prisma/package.json')), 'build', 'schema_engine_bg.wasm');
  let instance;
  try {
    instance = await instantiate(glue, cliWasm);
  } catch (error) {
    const packageWasm = path.join(
      path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')),
      'schema_engine_bg.wasm',
    );
    log('WARN', {
      message: `Cannot use ${cliWasm} (${error.message}); using ${packageWasm} instead. Update @prisma/schema-engine-wasm to the release closest to the prisma CLI's engine (see prisma/engine/README.md).`,
    });
    instance = await instantiate(glue, packageWasm);
  }
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  glueModule = glue;
  return glue;
}

/**
 * The better-sqlite3 adapter factory, migration-aware (shadow database in memory unless the
 * config names one). Timestamps as integer milliseconds, as the native engine writes them.
 * `connections.main` is the engine's open connection to the datasource, if any.
 */
async function createAdapterFactory(datasource, connections) {
  const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3');
  const { bindMigrationAwareSqlAdapterFactory } = await import('@prisma/driver-adapter-utils');
  const url = datasource?.url ? `file:${sqliteFilePath(datasource.url)}` : 'file::memory:';
  const options = { timestampFormat: 'unixepoch-ms' };
  if (datasource?.shadowDatabaseUrl) options.shadowDatabaseUrl = sqliteFilePath(datasource.shadowDatabaseUrl);
  const factory = new PrismaBetterSqlite3({ url, timeout: 10_000 }, options);
  const connect = factory.connect.bind(factory);
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connect = async () => {
    const adapter = withScriptFallback(await connect());
    connections.main = adapter;
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      if (connections.main === adapter) connections.main = undefined;
      return dispose();
    };
    return adapter;
  };
  factory.connectToShadowDb = async () => withScriptFallback(await connectToShadowDb());
  return bindMigrationAwareSqlAdapterFactory(factory);
}

/**
 * The engine sends whole migration scripts through `executeRaw`, which better-sqlite3 refuses
 * when they hold more than one statement: run those through `executeScript` instead.
 */
function withScriptFallback(adapter) {
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = async (query) => {
    try {
      return await executeRaw(query);
    } catch (error) {
      if ((query.args?.length ?? 0) === 0 && /more than one statement/i.test(String(error?.message))) {
        await adapter.executeScript(query.sql);
        return 0;
      }
      throw error;
    }
  };
  return adapter;
}

// ---------------------------------------------------------------------------------------------
// Errors as the native engine renders them in JSON-RPC responses.

function toErrorData(error) {
  if (error instanceof EngineError) {
    return { is_panic: false, message: error.message, meta: error.meta ?? {}, error_code: error.errorCode };
  }
  // The wasm engine rejects with Errors named SchemaConnectorError: the message is the engine's
  // (with its span trace), `code` the Prisma error code when it has one.
  const message = error?.message ?? String(error);
  const data = { is_panic: !!error?.is_panic, message };
  if (typeof error?.code === 'string' && /^P\d{4}$/.test(error.code)) {
    data.error_code = error.code;
    data.meta = error.meta ?? {};
  } else if (error?.name !== 'SchemaConnectorError' && error?.stack) {
    data.backtrace = error.stack;
  }
  return data;
}

// ---------------------------------------------------------------------------------------------
// One-shot commands: `--datasource <json> cli <command>`.

async function runCli(command, datasource) {
  log('INFO', { message: 'Starting schema engine CLI' });
  try {
    const url = datasource?.url;
    let message;
    if (command === 'can-connect-to-database') {
      canConnect(url);
      message = 'Connection successful';
    } else if (command === 'create-database') {
      const { databaseName } = createDatabase(url);
      message = `Database '${databaseName}' was successfully created.`;
    } else if (command === 'drop-database') {
      dropDatabase(url);
      message = 'The database was successfully dropped.';
    } else {
      throw new Error(`Unknown cli command: ${command}`);
    }
    log('INFO', { message });
    return 0;
  } catch (error) {
    const code = error instanceof EngineError ? error.errorCode : '';
    log(
      'ERROR',
      { is_panic: false, error_code: code, message: error?.message ?? String(error) },
      'schema_engine::logger',
    );
    return 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Server mode: newline-delimited JSON-RPC 2.0 on stdin/stdout.

async function runServer(args) {
  const datasource = args.datasource ?? {};
  const datamodels = args.datamodels.map((file) => [file, fs.readFileSync(file, 'utf8')]);
  let enginePromise;
  // The engine's connection to the datasource, once it has opened one.
  const connections = { main: undefined };
  const database = (fn, fallback) => withDatabase(datasource.url, connections.main?.client, fn, fallback);
  let outgoingId = 0;
  const pendingOutgoing = new Map();

  const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

  /** Asks the CLI to print text (how `migrate diff` output reaches the terminal). */
  let inputClosed = false;

  // Close the engine's connection before exiting: in exclusive locking mode SQLite leaves the
  // journal file behind (or the WAL unmerged) until the connection closes. The CLI ends stdin
  // and sends SIGTERM right away, so on SIGTERM too.
  const closeConnection = () => {
    try {
      connections.main?.client?.close();
    } catch {
      // already closed
    }
    connections.main = undefined;
  };
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      closeConnection();
      process.exit(0);
    });
  }
  const print = (content) =>
    new Promise((resolve) => {
      if (inputClosed) return resolve(undefined); // no answer can come any more
      const id = `stand-in-${++outgoingId}`;
      pendingOutgoing.set(id, resolve);
      send({ jsonrpc: '2.0', id, method: 'print', params: { content } });
    });

  const engine = () => {
    enginePromise ??= (async () => {
      const glue = await loadWasm();
      const adapterFactory = await createAdapterFactory(datasource, connections);
      const logCallback = (entry) => {
        // Engine logs: forward in the native format (the CLI only keeps the messages).
        let parsed = entry;
        if (typeof entry === 'string') {
          try {
            parsed = JSON.parse(entry);
          } catch {
            parsed = { message: entry };
          }
        }
        const fields = parsed?.fields ?? { message: parsed?.message ?? String(entry) };
        log(String(parsed?.level ?? 'INFO').toUpperCase(), fields, parsed?.target ?? 'schema_engine');
      };
      return glue.SchemaEngine.new(
        { datamodels: datamodels.length > 0 ? datamodels : undefined },
        logCallback,
        adapterFactory,
      );
    })();
    return enginePromise;
  };

  /** devDiagnostic and diagnoseMigrationHistory fail with P1014 without the migrations table. */
  const ensureMigrationsTable = async (migrationsList, filters) => {
    if (database(hasMigrationsTable, false)) return;
    const e = await engine();
    await e.applyMigrations({
      migrationsList: { ...migrationsList, migrationDirectories: [] },
      filters: filters ?? { externalTables: [], externalEnums: [] },
    });
  };

  const handlers = {
    async getDatabaseVersion(params) {
      return (await engine()).version(params?.datasource ? params : undefined);
    },
    async ensureConnectionValidity() {
      if (!connections.main) canConnect(datasource.url);
      return {};
    },
    async createDatabase() {
      if (connections.main) return { databaseName: path.basename(sqliteFilePath(datasource.url)) };
      return createDatabase(datasource.url);
    },
    async diagnoseMigrationHistory(params) {
      if (!params.optInToShadowDatabase && !database(hasMigrationsTable, false)) {
        // What the native engine answers for a database without a migrations table.
        const names = params.migrationsList.migrationDirectories.map((dir) => dir.path);
        return {
          editedMigrationNames: [],
          failedMigrationNames: [],
          hasMigrationsTable: false,
          history: names.length > 0 ? { diagnostic: 'databaseIsBehind', unappliedMigrationNames: names } : null,
        };
      }
      await ensureMigrationsTable(params.migrationsList, params.filters);
      return (await engine()).diagnoseMigrationHistory(params);
    },
    async devDiagnostic(params) {
      await ensureMigrationsTable(params.migrationsList, params.filters);
      return (await engine()).devDiagnostic(params);
    },
    // Without a devDiagnostic run over the current history (after `migrate dev` applied what
    // was pending) the wasm engine has no shadow database for these two and fails with "SQLite
    // shadow DB must be provided through an external factory".
    async evaluateDataLoss(params) {
      await handlers.devDiagnostic({ migrationsList: params.migrationsList, filters: params.filters });
      return (await engine()).evaluateDataLoss(params);
    },
    async createMigration(params) {
      await handlers.devDiagnostic({ migrationsList: params.migrationsList, filters: params.filters });
      return (await engine()).createMigration(params);
    },
    async diff(params) {
      const result = await (await engine()).diff(params);
      if (typeof result?.stdout === 'string' && result.stdout !== '') {
        await print(result.stdout.endsWith('\n') ? result.stdout.slice(0, -1) : result.stdout);
      }
      return { exitCode: result?.exitCode ?? 0, stdout: null };
    },
    async reset(params) {
      await (await engine()).reset(params?.filter ? params : { filter: { externalTables: [], externalEnums: [] } });
      database(dropAllObjects);
      return {};
    },
    async debugPanic() {
      const error = new Error('This is the debugPanic artificial panic');
      error.is_panic = true;
      throw error;
    },
  };

  // The wasm glue throws some errors (e.g. params it cannot deserialize) outside the promise it
  // returned: they reach the process as uncaught exceptions and fail the request in progress.
  // Such a throw leaves the engine object borrowed ("recursive use of an object"): the next
  // request gets a new engine (and the old one's connection, which holds the lock, is closed).
  let inProgress;
  const failInProgress = (error) => {
    if (!inProgress) {
      log('ERROR', { is_panic: true, message: error?.stack ?? String(error) }, 'schema_engine::logger');
      process.exit(101);
    }
    enginePromise = undefined;
    closeConnection();
    inProgress.reject(error);
  };
  process.on('uncaughtException', failInProgress);
  process.on('unhandledRejection', failInProgress);

  const dispatch = async (method, params) => {
    if (handlers[method]) return handlers[method](params ?? {});
    const e = await engine();
    if (typeof e[method] !== 'function' || ['free', 'constructor'].includes(method)) {
      throw Object.assign(new Error(`Unknown method: ${method}`), { rpcCode: -32601 });
    }
    return e[method](params ?? {});
  };

  const handleRequest = async (request) => {
    const { id, method, params } = request;
    try {
      const result = await new Promise((resolve, reject) => {
        inProgress = { reject };
        dispatch(method, params).then(resolve, reject);
      }).finally(() => {
        inProgress = undefined;
      });
      send({ jsonrpc: '2.0', id, result: result ?? {} });
    } catch (error) {
      if (error?.rpcCode === -32601) {
        send({ jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found' } });
        return;
      }
      const data = toErrorData(error);
      log('ERROR', { message: data.message, ...(data.error_code ? { error_code: data.error_code } : {}) });
      send({
        jsonrpc: '2.0',
        id,
        error: { code: 4466, message: 'An error happened. Check the data field for details.', data },
      });
    }
  };

  log('INFO', { message: 'Starting schema engine RPC server' });

  // Requests run one after the other, in the order they arrive.
  let queue = Promise.resolve();
  const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  input.on('line', (line) => {
    if (line.trim() === '') return;
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      return;
    }
    if (message.method === undefined && message.id !== undefined && pendingOutgoing.has(message.id)) {
      // The CLI's answer to one of our `print` requests.
      const resolve = pendingOutgoing.get(message.id);
      pendingOutgoing.delete(message.id);
      resolve(message.result);
      return;
    }
    if (typeof message.method === 'string') queue = queue.then(() => handleRequest(message));
  });
  await new Promise((resolve) => input.on('close', resolve));
  // Answers to our prints cannot arrive any more: do not wait for them.
  inputClosed = true;
  for (const resolve of pendingOutgoing.values()) resolve(undefined);
  pendingOutgoing.clear();
  await queue;
  if (enginePromise) {
    try {
      (await enginePromise).free();
    } catch {
      // nothing to release
    }
  }
  closeConnection();
}

// ---------------------------------------------------------------------------------------------

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  if (args.version) {
    const glue = await loadWasm();
    process.stdout.write(`schema-engine-cli ${glue.version()}\n`);
    return 0;
  }
  if (args.help) {
    process.stdout.write(
      'schema-engine (offline stand-in running the wasm schema engine)\n\n' +
        'USAGE:\n    schema-engine [--datamodels <FILE>...] [--datasource <JSON>] [cli <create-database|can-connect-to-database|drop-database>]\n',
    );
    return 0;
  }
  if (args.cli !== undefined) return runCli(args.cli, args.datasource);
  await runServer(args);
  return 0;
}

// Exit explicitly: the wasm engine keeps the event loop alive for about a minute otherwise.
const flushAndExit = (code) => {
  process.stdout.write('', () => process.exit(code));
};
main().then(
  (code) => flushAndExit(code ?? 0),
  (error) => {
    log('ERROR', { is_panic: true, message: error?.stack ?? String(error) }, 'schema_engine::logger');
    flushAndExit(101);
  },
);
