// Scheduled rotations happen at fixed boundaries: slot n covers [n * interval, (n + 1) * interval)
// in UTC epoch time, so with a 24 h interval the key changes at midnight UTC whichever process
// notices first, and the unique slot column lets exactly one of them make the key.
import { env } from '../env';

export function rotationSlot(at: Date, intervalMs: number = env().keyRotationIntervalMs): number {
  return Math.floor(at.getTime() / intervalMs);
}

/** When the scheduler replaces a key made at `createdAt`: the start of the next slot. */
export function nextRotationAt(createdAt: Date, intervalMs: number = env().keyRotationIntervalMs): Date {
  return new Date((rotationSlot(createdAt, intervalMs) + 1) * intervalMs);
}
