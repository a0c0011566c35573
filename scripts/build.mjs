#!/usr/bin/env node
// Builds everything `npm start` and `npm run cli` need: the Prisma client, the front server,
// the CLI and the seed script as plain ESM bundles in dist/ (so a production install runs
// them with no dev dependency), then the Next.js app.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2); // e.g. `node scripts/build.mjs bundles`

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const prismaCli = path.join(root, 'node_modules/prisma/build/index.js');
if (!only.length || only.includes('generate')) run(process.execPath, [prismaCli, 'generate']);

if (!only.length || only.includes('bundles')) {
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: {
      server: 'lib/server/main.ts',
      cli: 'lib/cli/main.ts',
      seed: 'prisma/seed.ts',
    },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
    // `server-only` guards Next bundles; in plain Node it is an empty module.
    alias: { 'server-only': './lib/empty-module.ts' },
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  });
}

if (!only.length || only.includes('next')) {
  run(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'build']);
}
