import { describe, expect, it } from 'vitest';
import { formatTimeLeft } from './time-left';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('time left of a link', () => {
  it('reads like a person would say it, rounded down', () => {
    expect(formatTimeLeft(0)).toBe('expired');
    expect(formatTimeLeft(-5)).toBe('expired');
    expect(formatTimeLeft(30_000)).toBe('under a minute');
    expect(formatTimeLeft(14 * MIN + 59_000)).toBe('14 min');
    expect(formatTimeLeft(HOUR)).toBe('1 h');
    expect(formatTimeLeft(3 * HOUR + 5 * MIN)).toBe('3 h 5 min');
    expect(formatTimeLeft(9 * HOUR + 5 * MIN)).toBe('9 h');
    expect(formatTimeLeft(DAY)).toBe('1 d');
    expect(formatTimeLeft(7 * DAY - 1)).toBe('6 d 23 h');
  });
});
