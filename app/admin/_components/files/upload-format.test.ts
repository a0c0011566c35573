// The upload rows' arithmetic and, above all, the retry policy: an answer that will not change
// (name taken, too large, signed out) must end the upload at once instead of looping.
import { describe, expect, it } from 'vitest';
import {
  addSample,
  describeFailure,
  formatTimeLeft,
  shouldRetryUpload,
  speedOf,
  type UploadFailure,
} from './upload-format';

const MiB = 1024 * 1024;

function answer(status: number, body: unknown = ''): UploadFailure {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { originalResponse: { getStatus: () => status, getBody: () => text } };
}
const networkDrop: UploadFailure = { message: 'tus: failed to upload chunk', originalResponse: null };
const nameTaken = answer(409, {
  error: { code: 'conflict', message: 'A file named "a.txt" already exists. Upload it with replace to overwrite it.' },
});

describe('describeFailure', () => {
  it('names the remedy the row offers', () => {
    expect(describeFailure(nameTaken, 10 * MiB)).toEqual({
      kind: 'exists',
      message: 'A file named "a.txt" already exists.',
    });
    expect(describeFailure(answer(413, { error: { code: 'payload_too_large', message: 'x' } }), 10 * MiB)).toEqual({
      kind: 'too_large',
      message: 'Too large: the upload limit is 10 MiB.',
    });
    expect(describeFailure(networkDrop, MiB).kind).toBe('network');
    expect(describeFailure(answer(502, 'Bad gateway'), MiB)).toEqual({
      kind: 'network',
      message: 'The server answered with an error (HTTP 502).',
    });
    expect(describeFailure(answer(401, { error: { code: 'unauthorized', message: 'x' } }), MiB).kind).toBe(
      'signed_out',
    );
    expect(
      describeFailure(
        answer(507, {
          error: { code: 'insufficient_storage', message: 'The server has no disk space left for this file.' },
        }),
        MiB,
      ),
    ).toEqual({
      kind: 'other',
      message: 'The server has no disk space left for this file.',
    });
  });
});

describe('shouldRetryUpload', () => {
  it('retries dropped connections (when online), server errors, locks and offset mismatches', () => {
    expect(shouldRetryUpload(networkDrop, true)).toBe(true);
    expect(shouldRetryUpload(networkDrop, false)).toBe(false);
    expect(shouldRetryUpload(answer(500), true)).toBe(true);
    expect(shouldRetryUpload(answer(423), true)).toBe(true);
    expect(shouldRetryUpload(answer(409, { error: { code: 'offset_conflict', message: 'x' } }), true)).toBe(true);
  });

  it('never retries what asking again cannot change', () => {
    expect(shouldRetryUpload(nameTaken, true)).toBe(false);
    for (const status of [400, 401, 403, 404, 410, 413, 422, 507])
      expect(shouldRetryUpload(answer(status), true), String(status)).toBe(false);
  });
});

describe('speed and time left', () => {
  it('measures over the last five seconds and words the rest', () => {
    let samples = addSample([], { at: 0, bytes: 0 });
    expect(speedOf(samples)).toBeNull();
    samples = addSample(samples, { at: 1000, bytes: 2 * MiB });
    expect(speedOf(samples)).toBe(2 * MiB);
    samples = addSample(samples, { at: 5500, bytes: 11 * MiB });
    // The first sample fell out of the window: 9 MiB in the last 4.5 s.
    expect(samples).toHaveLength(2);
    expect(speedOf(samples)).toBe(2 * MiB);
    expect(formatTimeLeft(7.2)).toBe('8 s left');
    expect(formatTimeLeft(150)).toBe('3 min left');
    expect(formatTimeLeft(4800)).toBe('1 h 20 min left');
  });
});
