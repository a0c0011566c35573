// Responses of a share link's use that are still going out from this process. A resume that
// carries the use's ETag while an earlier response of the same use is still in flight here
// (typically stalled: a phone that changed networks, whose old connection the server cannot
// see die) ends that response first, so the resume is judged on what was really sent instead
// of waiting for the stall timeout. Only the holder of the per-use ETag can do this. Another
// process sees the in-flight response through the row (its planned end) until it ends.
import 'server-only';

type InFlight = { abort: () => void; ended: Promise<void> };

const inFlight = new Map<string, Set<InFlight>>();

/** Registers a response; call the returned function once its "sent" offset is stored. */
export function trackLinkUseInFlight(tagHash: string, abort: () => void): () => void {
  let done!: () => void;
  const entry: InFlight = { abort, ended: new Promise<void>((resolve) => (done = resolve)) };
  let set = inFlight.get(tagHash);
  if (!set) inFlight.set(tagHash, (set = new Set()));
  set.add(entry);
  return () => {
    set.delete(entry);
    if (set.size === 0 && inFlight.get(tagHash) === set) inFlight.delete(tagHash);
    done();
  };
}

/** Ends this process's in-flight responses of the use and waits (at most `waitMs`) until they are recorded. */
export async function endLinkUseInFlight(tagHash: string, waitMs = 2000): Promise<void> {
  const set = inFlight.get(tagHash);
  if (!set || set.size === 0) return;
  const entries = [...set];
  for (const entry of entries) entry.abort();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(entries.map((entry) => entry.ended)),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs))),
  ]);
  clearTimeout(timer);
}
