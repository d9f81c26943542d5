/** Interruptible waiting on several signals at once, without leaving listeners behind. */
import { sleep } from '../client/timing.ts';

/**
 * Sleep for `seconds` unless any of the signals aborts first. Resolves `true` when the full time
 * passed. (`AbortSignal.any` would keep a dependent signal per call alive as long as the
 * operator-wide signal lives; one per event adds up.)
 */
export async function sleepUnless(seconds: number, ...signals: AbortSignal[]): Promise<boolean> {
  if (signals.some((s) => s.aborted)) return false;
  const local = new AbortController();
  const abort = () => local.abort();
  for (const s of signals) s.addEventListener('abort', abort, { once: true });
  try {
    return await sleep(seconds, local.signal);
  } finally {
    for (const s of signals) s.removeEventListener('abort', abort);
  }
}
