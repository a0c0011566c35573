// The API's limits on a real SQLite file, with an injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consume, limitKey } from '../auth/rate-limit';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import {
  API_AUTH_FAILURE_RULE,
  API_TOKEN_CALL_RULE,
  assertApiAuthAllowed,
  consumeApiTokenCall,
  consumeTokenCreation,
  flushTokenCalls,
  recordApiAuthFailure,
} from './api-limits';

let temp: TempEnv;
beforeAll(async () => {
  temp = await createTempEnv();
});
afterAll(async () => {
  await temp.cleanup();
});

async function refusal(promise: Promise<unknown>) {
  return promise.then(
    () => null,
    (error: unknown) => error as { code: string; details?: { retryAfterSeconds?: number } },
  );
}

describe('API limits', () => {
  it('allows 30,000 calls a minute per token, then answers rate_limited until the minute ends', () => {
    const at = Date.now();
    for (let i = 0; i < API_TOKEN_CALL_RULE.points; i++) consumeApiTokenCall('token-a', at);
    expect(() => consumeApiTokenCall('token-a', at + 30_000)).toThrow(
      expect.objectContaining({ code: 'rate_limited', details: { retryAfterSeconds: 30 } }),
    );
    expect(() => consumeApiTokenCall('token-b', at + 30_000)).not.toThrow();
    expect(() => consumeApiTokenCall('token-a', at + 60_000)).not.toThrow();
  });

  it('shares the count of a token between processes through the table', async () => {
    const at = Date.now();
    for (let i = 0; i < 10; i++) consumeApiTokenCall('token-c', at);
    await flushTokenCalls(at);
    // Another process counted the rest of the allowance for the same token in this minute.
    const rest = API_TOKEN_CALL_RULE.points - 10;
    await consume([{ key: limitKey('api-token', 'token-c'), rule: API_TOKEN_CALL_RULE, points: rest }], at);
    consumeApiTokenCall('token-c', at);
    await flushTokenCalls(at);
    expect(() => consumeApiTokenCall('token-c', at)).toThrow(expect.objectContaining({ code: 'rate_limited' }));
  });

  it('refuses an IP after 100 failed authentications in 15 minutes, until the window ends', async () => {
    const at = 5_000_000;
    for (let i = 0; i < API_AUTH_FAILURE_RULE.points - 1; i++) await recordApiAuthFailure('203.0.113.8', at);
    expect(() => assertApiAuthAllowed('203.0.113.8', at)).not.toThrow();
    await recordApiAuthFailure('203.0.113.8', at);
    expect(() => assertApiAuthAllowed('203.0.113.8', at)).toThrow(expect.objectContaining({ code: 'rate_limited' }));
    expect(() => assertApiAuthAllowed('203.0.113.9', at)).not.toThrow();
    expect(() => assertApiAuthAllowed('203.0.113.8', at + API_AUTH_FAILURE_RULE.windowMs)).not.toThrow();
  });

  it('allows 20 API token creations an hour per admin', async () => {
    const at = 9_000_000;
    for (let i = 0; i < 20; i++) await consumeTokenCreation('user-1', at);
    expect(await refusal(consumeTokenCreation('user-1', at))).toMatchObject({ code: 'rate_limited' });
    expect(await refusal(consumeTokenCreation('user-2', at))).toBeNull();
  });
});
