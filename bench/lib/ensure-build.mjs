// Builds what the benchmark runs, only when missing or older than its sources: the dist/
// bundles (seconds) and the Next app (minutes). Decided by file times, like make.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const SOURCES = [
  'lib',
  'app',
  'prisma/schema.prisma',
  'middleware.ts',
  'next.config.mjs',
  'package-lock.json',
  'scripts/build.mjs',
];
const SKIP = /(^|\/)(generated|node_modules|test-support)(\/|$)|\.test\.tsx?$/;

function newestSource(root, entries) {
  let newest = 0;
  const visit = (file) => {
    const rel = path.relative(root, file);
    if (SKIP.test(rel)) return;
    let stat;
    try {
      stat = fs.statSync(file);
    } catch {
      return;
    }
    if (stat.isDirectory()) for (const name of fs.readdirSync(file)) visit(path.join(file, name));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const entry of entries) visit(path.join(root, entry));
  return newest;
}

const mtime = (file) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0);

/** What is out of date: { next, bundles, generate } booleans, each with the reason. */
export function buildPlan(root) {
  const sources = newestSource(root, SOURCES);
  const libSources = newestSource(root, ['lib', 'prisma/schema.prisma', 'package-lock.json', 'scripts/build.mjs']);
  const nextBuilt = mtime(path.join(root, '.next', 'BUILD_ID'));
  const bundlesBuilt = Math.min(
    mtime(path.join(root, 'dist', 'server.mjs')),
    mtime(path.join(root, 'dist', 'cli.mjs')),
  );
  return {
    generate: !fs.existsSync(path.join(root, 'lib', 'generated', 'prisma')),
    next: nextBuilt === 0 ? 'missing' : nextBuilt < sources ? 'older than its sources' : null,
    bundles: bundlesBuilt === 0 ? 'missing' : bundlesBuilt < libSources ? 'older than lib/' : null,
  };
}

export function ensureBuild(root, { log }) {
  const plan = buildPlan(root);
  let steps = null;
  if (plan.next) {
    log(`build: .next is ${plan.next}: running the full build (2-3 minutes)`);
    steps = [];
  } else if (plan.bundles || plan.generate) {
    log(`build: dist/ is ${plan.bundles ?? 'missing the Prisma client'}: rebuilding the bundles`);
    steps = plan.generate ? ['generate', 'bundles'] : ['bundles'];
  }
  if (!steps) {
    log('build: dist/ and .next are up to date');
    return;
  }
  const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), ...steps], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`the build failed (exit code ${result.status})`);
}
