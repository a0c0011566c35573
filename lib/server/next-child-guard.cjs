// Preloaded into the Next child (`node --require <this> next start`, lib/server/start-next.ts):
// the child ends when its parent, the front server, is gone, even after a kill -9 that gave the
// parent no chance to stop it. The IPC channel closes when the parent dies ('disconnect'); a
// reparented process (ppid changed) is the fallback should the channel be missing.
'use strict';

const parent = process.ppid;
const leave = () => process.exit(0);
if (process.connected) process.once('disconnect', leave);
setInterval(() => {
  if (process.ppid !== parent) leave();
}, 1000).unref();
