// Parsers for the human units used in configuration: durations ("30s", "15m", "24h", "7d")
// and sizes ("10GiB", "50MiB", "1000"). Both return null for input they do not understand.

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses "90d", "1h", "30s", "1500ms"; a bare number is seconds. Returns milliseconds. */
export function parseDuration(input: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(input);
  if (!match) return null;
  const unit = (match[2] ?? 's').toLowerCase();
  return Math.round(Number(match[1]) * DURATION_UNITS[unit]);
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

/** Parses "10GiB", "100MB", "512k", "1234". Returns bytes. */
export function parseSize(input: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(input);
  if (!match) return null;
  const factor = SIZE_UNITS[(match[2] || 'b').toLowerCase()];
  if (factor === undefined) return null;
  return Math.floor(Number(match[1]) * factor);
}

/** "1.5 MiB", "812 B": sizes as people read them. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** "2d", "3h", "15m", "45s": a duration as people read it (largest whole unit). */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds % 86_400 === 0 && seconds >= 86_400) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0 && seconds >= 3600) return `${seconds / 3600}h`;
  if (seconds % 60 === 0 && seconds >= 60) return `${seconds / 60}m`;
  return `${seconds}s`;
}
