// Periodic housekeeping run by the front server (no Next loaded): each job runs once at start
// and then every `everyMs`, never twice at once, and a failure is logged, not fatal.
export type Job = { name: string; everyMs: number; run: () => Promise<string | void> };

export function startScheduler(jobs: Job[], log: (message: string) => void): () => void {
  const timers: NodeJS.Timeout[] = [];
  for (const job of jobs) {
    let running = false;
    const tick = async () => {
      if (running) return;
      running = true;
      try {
        const message = await job.run();
        if (message) log(`${job.name}: ${message}`);
      } catch (error) {
        log(`${job.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        running = false;
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), job.everyMs);
    timer.unref();
    timers.push(timer);
  }
  return () => timers.forEach(clearInterval);
}
