import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './rate-limit';

describe('FailureLimiter', () => {
  it('blocks a key after the limit of failures until the window ends', () => {
    let now = 0;
    const limiter = new FailureLimiter({ limit: 3, windowMs: 1000 }, () => now);
    limiter.recordFailure('alice');
    limiter.recordFailure('alice');
    expect(limiter.retryAfter('alice')).toBe(0);
    limiter.recordFailure('alice');
    expect(limiter.retryAfter('alice')).toBe(1000);
    expect(limiter.retryAfter('bob')).toBe(0);
    now = 400;
    expect(limiter.retryAfter('alice')).toBe(600);
    now = 1000;
    expect(limiter.retryAfter('alice')).toBe(0);
  });

  it('forgets failures after a success', () => {
    const limiter = new FailureLimiter({ limit: 2, windowMs: 1000 }, () => 0);
    limiter.recordFailure('alice');
    limiter.recordFailure('alice');
    expect(limiter.retryAfter('alice')).toBeGreaterThan(0);
    limiter.reset('alice');
    expect(limiter.retryAfter('alice')).toBe(0);
  });
});
