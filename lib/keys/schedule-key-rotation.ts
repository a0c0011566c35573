// The server's own rotation clock. Every process may run it: rotateIfDue makes at most one key
// per slot whatever the number of processes, so no leader election is needed.
import 'server-only';
import { env } from '../env';
import { rotateIfDue } from './rotate-keys';

export type KeyRotationSchedule = { stop: () => void };

/**
 * Checks at start and then every `checkEveryMs` (default: a twentieth of
 * KEY_ROTATION_INTERVAL, between 1 s and 60 s, so a rotation lands at most that late after its
 * boundary). Failures are logged and retried at the next tick; the timer does not keep the
 * process alive.
 */
export function startKeyRotationSchedule({ checkEveryMs }: { checkEveryMs?: number } = {}): KeyRotationSchedule {
  const every = checkEveryMs ?? Math.min(60_000, Math.max(1_000, Math.floor(env().keyRotationIntervalMs / 20)));
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const rotated = await rotateIfDue();
      if (rotated) console.log(`[keys] rotated the signing key: ${rotated.kid} (${rotated.algorithm})`);
    } catch (error) {
      console.error('[keys] scheduled rotation failed; retrying at the next check:', error);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), every);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
