// The share dialog's lifetime choice as pure functions (no React), so they are unit-tested.
import { LINK_TTL_PRESETS } from '@/lib/links/schemas';

export const TTL_UNITS = [
  { value: 'minutes', label: 'minutes', seconds: 60 },
  { value: 'hours', label: 'hours', seconds: 3600 },
  { value: 'days', label: 'days', seconds: 86_400 },
] as const;

export type TtlUnit = (typeof TTL_UNITS)[number]['value'];

/** Index into LINK_TTL_PRESETS, or 'custom' (an amount and a unit). */
export type TtlChoice = number | 'custom';

export type TtlState = { choice: TtlChoice; amount: string; unit: TtlUnit };

/** The lifetime in seconds, or a sentence saying what is wrong with it. */
export function ttlSecondsOf(state: TtlState, maxTtlSeconds: number | null): { seconds: number } | { problem: string } {
  let seconds: number;
  if (state.choice === 'custom') {
    const amount = Number(state.amount.trim());
    if (!state.amount.trim() || !Number.isInteger(amount) || amount < 1)
      return { problem: 'Enter a whole number of at least 1 for the lifetime.' };
    seconds = amount * unitSeconds(state.unit);
  } else {
    seconds = LINK_TTL_PRESETS[state.choice].seconds;
  }
  if (maxTtlSeconds !== null && seconds > maxTtlSeconds) {
    return { problem: `A link can live at most ${describeSeconds(maxTtlSeconds)} on this server (LINK_MAX_TTL).` };
  }
  return { seconds };
}

/** The first state of the dialog: the server's default lifetime, as a preset when it is one. */
export function initialTtlState(defaultTtlSeconds: number | null): TtlState {
  const fallback = LINK_TTL_PRESETS.findIndex((preset) => preset.seconds === 86_400);
  if (defaultTtlSeconds === null) return { choice: fallback, amount: '1', unit: 'days' };
  const preset = LINK_TTL_PRESETS.findIndex((p) => p.seconds === defaultTtlSeconds);
  if (preset >= 0) return { choice: preset, amount: '1', unit: 'days' };
  const unit = [...TTL_UNITS].reverse().find((u) => defaultTtlSeconds % u.seconds === 0) ?? TTL_UNITS[0];
  return {
    choice: 'custom',
    amount: String(Math.max(1, Math.round(defaultTtlSeconds / unit.seconds))),
    unit: unit.value,
  };
}

/** "7 days", "90 minutes", "1 hour": a whole-unit duration for sentences. */
export function describeSeconds(seconds: number): string {
  const unit = [...TTL_UNITS].reverse().find((u) => seconds >= u.seconds && seconds % u.seconds === 0);
  if (!unit) return plural(seconds, 'second');
  return plural(seconds / unit.seconds, unit.label.slice(0, -1));
}

function unitSeconds(unit: TtlUnit): number {
  return TTL_UNITS.find((u) => u.value === unit)?.seconds ?? 60;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
