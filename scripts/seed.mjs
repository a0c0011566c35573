#!/usr/bin/env node
// What `npx prisma db seed` runs (prisma.config.ts). A production install runs the built
// dist/seed.mjs (no dev dependency needed); a development tree whose sources changed since
// the last build runs prisma/seed.ts through tsx instead, so a stale bundle never seeds.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'dist', 'seed.mjs');
const tsxCli = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');

function newestSourceTime() {
  let newest = 0;
  const visit = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'generated' || entry.name === 'node_modules') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (/\.tsx?$/.test(entry.name)) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  visit(path.join(root, 'lib'));
  newest = Math.max(newest, fs.statSync(path.join(root, 'prisma', 'seed.ts')).mtimeMs);
  return newest;
}

function useBundle() {
  if (!fs.existsSync(bundle)) return false;
  if (!fs.existsSync(tsxCli) || !fs.existsSync(path.join(root, 'prisma', 'seed.ts'))) return true;
  return fs.statSync(bundle).mtimeMs >= newestSourceTime();
}

const args = useBundle()
  ? [bundle]
  : [tsxCli, '--tsconfig', path.join(root, 'lib', 'cli', 'tsconfig.json'), path.join(root, 'prisma', 'seed.ts')];

if (!fs.existsSync(args[0])) {
  console.error('error: the seed script is not built and tsx is not installed; run `npm run build` first.');
  process.exit(1);
}
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: process.env });
process.exit(result.status ?? 1);
