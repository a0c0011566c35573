import { describe, expect, it } from 'vitest';
import { describeSeconds, initialTtlState, ttlSecondsOf } from './link-lifetime';

const WEEK = 7 * 86_400;

describe('the share dialog lifetime', () => {
  it('turns presets and custom amounts into seconds', () => {
    expect(ttlSecondsOf({ choice: 0, amount: '', unit: 'days' }, WEEK)).toEqual({ seconds: 900 });
    expect(ttlSecondsOf({ choice: 'custom', amount: '90', unit: 'minutes' }, WEEK)).toEqual({ seconds: 5400 });
    expect(ttlSecondsOf({ choice: 'custom', amount: ' 3 ', unit: 'days' }, WEEK)).toEqual({ seconds: 3 * 86_400 });
  });

  it('refuses a custom lifetime that is not a whole positive number', () => {
    for (const amount of ['', '0', '-2', '1.5', 'abc']) {
      expect(ttlSecondsOf({ choice: 'custom', amount, unit: 'hours' }, WEEK)).toEqual({
        problem: 'Enter a whole number of at least 1 for the lifetime.',
      });
    }
  });

  it('names the server maximum when a lifetime is longer', () => {
    expect(ttlSecondsOf({ choice: 'custom', amount: '8', unit: 'days' }, WEEK)).toEqual({
      problem: 'A link can live at most 7 days on this server (LINK_MAX_TTL).',
    });
    expect(ttlSecondsOf({ choice: 3, amount: '', unit: 'days' }, 86_400)).toEqual({
      problem: 'A link can live at most 1 day on this server (LINK_MAX_TTL).',
    });
    // Before the bounds are known the server decides.
    expect(ttlSecondsOf({ choice: 'custom', amount: '30', unit: 'days' }, null)).toEqual({ seconds: 30 * 86_400 });
  });

  it('starts at the server default, as a preset when it is one', () => {
    expect(initialTtlState(86_400).choice).toBe(2);
    expect(initialTtlState(3600).choice).toBe(1);
    expect(initialTtlState(null).choice).toBe(2);
    expect(initialTtlState(2 * 86_400)).toEqual({ choice: 'custom', amount: '2', unit: 'days' });
    expect(initialTtlState(90 * 60)).toEqual({ choice: 'custom', amount: '90', unit: 'minutes' });
  });

  it('describes durations in whole units', () => {
    expect(describeSeconds(WEEK)).toBe('7 days');
    expect(describeSeconds(3600)).toBe('1 hour');
    expect(describeSeconds(5400)).toBe('90 minutes');
    expect(describeSeconds(45)).toBe('45 seconds');
  });
});
