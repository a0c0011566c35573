// Medians, ratios, the printed table and the machine facts that go with every result.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export function median(values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Per scenario and contender, the median of each numeric metric over the rounds. */
export function medians(measurements) {
  const groups = new Map();
  for (const m of measurements) {
    const key = `${m.scenario}\u0000${m.contender}`;
    if (!groups.has(key)) groups.set(key, { scenario: m.scenario, contender: m.contender, label: m.label, rounds: [] });
    groups.get(key).rounds.push(m.metrics);
  }
  return [...groups.values()].map((group) => {
    const names = new Set(group.rounds.flatMap((r) => Object.keys(r)));
    const metrics = {};
    for (const name of names) {
      const values = group.rounds.map((r) => r[name]);
      metrics[name] = values.every((v) => typeof v === 'number') ? median(values) : values.at(-1);
    }
    return {
      scenario: group.scenario,
      contender: group.contender,
      label: group.label,
      rounds: group.rounds.length,
      metrics,
    };
  });
}

export function machineInfo() {
  const cpus = os.cpus();
  let affinity = null;
  try {
    affinity = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // nproc missing: leave it unknown
  }
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    coresAvailable: affinity === null ? null : Number(affinity),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    fileSystem: fileSystemOf(os.tmpdir()),
  };
}

function fileSystemOf(dir) {
  try {
    return execFileSync('df', ['-T', dir], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .at(-1)
      ?.split(/\s+/)
      .slice(0, 2)
      .join(' ');
  } catch {
    return undefined;
  }
}

export const loadAverage = () => os.loadavg().map((v) => Math.round(v * 100) / 100);

export function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

const fmt = (value, digits = 0) =>
  value === null || value === undefined || Number.isNaN(value)
    ? '-'
    : Number(value).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export const formatNumber = fmt;
export const mib = (bytes) => (bytes === null || bytes === undefined ? '-' : `${fmt(bytes / 2 ** 20)} MiB`);
export const ratio = (value, reference) => (value == null || !reference ? null : value / reference);
export const formatRatio = (r) => (r === null ? '-' : `${r.toFixed(2)}x`);

/** A plain-text table (also valid Markdown). */
export function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}
