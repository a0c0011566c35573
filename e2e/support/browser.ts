// Which Chromium the browser tests use: CHROMIUM_PATH, else Debian's /usr/bin/chromium, else
// Playwright's own download (on machines that have one). Undefined lets Playwright decide.
import fs from 'node:fs';

export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((candidate): candidate is string => !!candidate && fs.existsSync(candidate));
}
