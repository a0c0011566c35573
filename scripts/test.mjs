#!/usr/bin/env node
// `npm test`: every test. Type check, lint and format check, the production build, unit and integration tests
// (vitest; some start the built server), then the browser tests (Playwright) against it. Stops at the first failing stage.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const stages = [
  ['type check', 'npx', ['tsc', '--noEmit']],
  ['lint and format', 'npm', ['run', '-s', 'lint']],
  // The integration tests start the built server, so the build comes first.
  ['production build', process.execPath, ['scripts/build.mjs']],
  ['unit and integration tests', 'npx', ['vitest', 'run']],
  ['browser tests', 'npx', ['playwright', 'test']],
];

const chromium = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p) => p && fs.existsSync(p),
);
if (!chromium) {
  const own = spawnSync('npx', ['playwright', 'install', '--dry-run', 'chromium'], { encoding: 'utf8' });
  const hasOwn =
    /Install location:\s+(\S+)/.test(own.stdout ?? '') &&
    fs.existsSync(/Install location:\s+(\S+)/.exec(own.stdout)[1]);
  if (!hasOwn) {
    console.error(
      'No Chromium for the browser tests. Install one of:\n' +
        '  - Debian/Ubuntu: sudo apt-get install -y chromium   (or set CHROMIUM_PATH to a Chromium/Chrome binary)\n' +
        '  - online machines: npx playwright install chromium',
    );
    process.exit(1);
  }
}

for (const [name, command, args] of stages) {
  const started = Date.now();
  console.log(`\n=== ${name}: ${command === process.execPath ? 'node' : command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' } });
  if (result.status !== 0) {
    console.error(`\n=== ${name} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
  console.log(`=== ${name} passed in ${Math.round((Date.now() - started) / 1000)}s`);
}
console.log('\nAll tests passed.');
