#!/usr/bin/env node
// Where a .cpuprofile (node --cpu-prof) spent its time: self time per function and per
// package, so a missed benchmark target points at code, not guesses.
//   node bench/analyze-profile.mjs <file.cpuprofile> [--top 30] [--match text]
// --match: also the inclusive time of functions whose name or file contains `text`.
import fs from 'node:fs';
import path from 'node:path';

const argv = process.argv.slice(2);
const file = argv.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
const option = (name, fallback) => {
  const at = argv.indexOf(`--${name}`);
  return at === -1 ? fallback : argv[at + 1];
};
if (!file) {
  console.error('usage: node bench/analyze-profile.mjs <file.cpuprofile> [--top 30] [--match text]');
  process.exit(2);
}
const top = Number(option('top', 30));
const match = option('match', null);

const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

// Self time per node from the samples and their time deltas (microseconds).
const self = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

function packageOf(url) {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node: core';
  const modules = url.lastIndexOf('node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    if (name === 'next') return `next/${rest[2] === 'compiled' ? `compiled/${rest[3]}` : rest.slice(1, 3).join('/')}`;
    return name;
  }
  if (url.includes('/.next/')) return 'app (.next bundles)';
  if (url.includes('/dist/')) return 'app (dist bundles)';
  return path.basename(url);
}

function nameOf(node) {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^file:\/\//, '').replace(/.*node_modules\//, '~/')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
}

const byFunction = new Map();
const byPackage = new Map();
for (const [id, time] of self) {
  const node = nodes.get(id);
  const key = nameOf(node);
  byFunction.set(key, (byFunction.get(key) ?? 0) + time);
  const pkg = ['(idle)', '(program)', '(garbage collector)'].includes(node.callFrame.functionName)
    ? node.callFrame.functionName
    : packageOf(node.callFrame.url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + time);
}

const idle = byPackage.get('(idle)') ?? 0;
const busy = total - idle;
const ms = (us) => `${(us / 1000).toFixed(0)} ms`;
// Shares of the busy time: idle is waiting, not cost.
const pct = (us) => `${((us / busy) * 100).toFixed(1)}%`;
byPackage.delete('(idle)');
byFunction.delete('(idle)');
console.log(
  `${path.basename(file)}: ${ms(total)} sampled, ${ms(busy)} busy (${((busy / total) * 100).toFixed(1)}%); shares below are of the busy time\n`,
);
console.log('Self time by package:');
for (const [pkg, time] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 20))
  console.log(`  ${pct(time).padStart(6)}  ${ms(time).padStart(9)}  ${pkg}`);
console.log(`\nTop ${top} functions by self time:`);
for (const [name, time] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`  ${pct(time).padStart(6)}  ${ms(time).padStart(9)}  ${name}`);

if (match) {
  // Inclusive time: a sample counts once for every matching function on its stack.
  const inclusive = new Map();
  for (const [id, time] of self) {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const key = nameOf(nodes.get(at));
      if (!key.includes(match) || seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + time);
    }
  }
  console.log(`\nInclusive time of functions matching "${match}":`);
  for (const [name, time] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${pct(time).padStart(6)}  ${ms(time).padStart(9)}  ${name}`);
}
