// "in 3 h", "6 d 23 h": how long a link still works, for the links page and the share dialog.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A short duration, rounded down to what a person cares about ("2 d 4 h", "3 h 5 min", "12 min"). */
export function formatTimeLeft(ms: number): string {
  if (ms <= 0) return 'expired';
  if (ms < MINUTE) return 'under a minute';
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min`;
  if (ms < DAY) {
    const hours = Math.floor(ms / HOUR);
    const minutes = Math.floor((ms % HOUR) / MINUTE);
    return hours < 6 && minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  }
  const days = Math.floor(ms / DAY);
  const hours = Math.floor((ms % DAY) / HOUR);
  return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
}
