// Failed sign-in limits, per client IP and per username, in memory of the Next process (the
// only process that handles sign-ins). A fixed window per key: simple, and enough to turn an
// online guessing attack from thousands of tries a minute into a handful.
export type RateLimitRule = { limit: number; windowMs: number };

type Bucket = { count: number; resetAt: number };

export class FailureLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly rule: RateLimitRule,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `key` may try again, or 0 when it may try now. */
  retryAfter(key: string): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return 0;
    const now = this.now();
    if (bucket.resetAt <= now) {
      this.buckets.delete(key);
      return 0;
    }
    return bucket.count >= this.rule.limit ? bucket.resetAt - now : 0;
  }

  recordFailure(key: string): void {
    const now = this.now();
    const bucket = this.buckets.get(key);
    if (!bucket || bucket.resetAt <= now) {
      this.buckets.set(key, { count: 1, resetAt: now + this.rule.windowMs });
      this.prune(now);
      return;
    }
    bucket.count += 1;
  }

  reset(key: string): void {
    this.buckets.delete(key);
  }

  /** Keeps memory bounded under a spray of usernames or IPs. */
  private prune(now: number): void {
    if (this.buckets.size < 10_000) return;
    for (const [key, bucket] of this.buckets) if (bucket.resetAt <= now) this.buckets.delete(key);
  }
}

const WINDOW_MS = 15 * 60_000;

const globalForLimits = globalThis as unknown as { signInLimits?: { byIp: FailureLimiter; byUser: FailureLimiter } };

/** 5 failures per username and 20 per IP in 15 minutes. */
export function signInLimits() {
  globalForLimits.signInLimits ??= {
    byIp: new FailureLimiter({ limit: 20, windowMs: WINDOW_MS }),
    byUser: new FailureLimiter({ limit: 5, windowMs: WINDOW_MS }),
  };
  return globalForLimits.signInLimits;
}
