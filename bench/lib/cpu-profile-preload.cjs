// `--cpu-prof` for processes we cannot give command-line flags (the Next child that the server
// spawns), loaded through NODE_OPTIONS=--require (where Node 20 refuses --cpu-prof itself).
// Profiles the whole process with the inspector and writes
// <BENCH_CPU_PROFILE_DIR>/<name>-<pid>.cpuprofile at exit (SIGTERM and SIGINT included).
const fs = require('node:fs');
const inspector = require('node:inspector');
const path = require('node:path');

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    // The main thread's session answers synchronously, so this works inside 'exit'.
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      const script = process.argv[1] ? path.basename(process.argv[1]).replace(/\W+/g, '_') : 'node';
      const name = /next/.test(process.argv.join(' ')) ? 'next' : script;
      fs.writeFileSync(path.join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  // SIGUSR2 starts the profile over: the benchmark sends it when the warm-up is done, so the
  // profile holds the measured rounds, not the start-up.
  process.on('SIGUSR2', () => {
    session.post('Profiler.stop');
    session.post('Profiler.start');
  });
  process.on('exit', write);
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      write();
      // Alone (no handler of the program's own): keep the default of ending the process.
      if (process.listenerCount(signal) === 1) process.exit(0);
    });
  }
}
