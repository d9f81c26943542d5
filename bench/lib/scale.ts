/**
 * The set-up of the 100,000-object measure (issue #11): one namespace of N BenchObjects that every
 * contender already handled — the state a restarted operator finds. Each object is created with the
 * diff-base annotation Kopf and kopf-ts write (computed by kopf-ts's own essence code, which the interop
 * tests hold byte-identical to Kopf's), and its status is patched to the result every contender writes
 * (`status.created = {message: "ok"}`; controller-runtime's reconcile looks only at that). So a
 * contender started with the set in place has nothing to do but list and watch it: the measure is the
 * memory of N watched objects and the time to catch up with them, not N handler runs (which would
 * take hours here: the apiserver serves ~20–200 handled objects/s on this machine).
 */
import { essenceOf } from '../../runtime/processing/essence.ts';
import { storeDiffbase } from '../../runtime/processing/diffbase.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import { GROUP, retrying, VERSION, type Kube } from './kube.ts';

const persistence = makeSettings().persistence;

/** The body of object `index` as a contender leaves it after handling it (metadata and spec). */
export function handledBody(name: string, index: number): Record<string, unknown> {
  const body = {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'BenchObject',
    metadata: { name },
    spec: { index },
  };
  const essence = essenceOf(body, { prefix: persistence.annotationsPrefix });
  const handled: Record<string, unknown> = { ...body, metadata: { name } };
  storeDiffbase(handled, essence, persistence, body);
  return handled;
}

/**
 * Create `n` handled objects (`scale-<i>`) in `namespace` with `concurrency` requests in flight: a POST
 * and a status merge-patch each, both retried on 429/5xx. Reports progress every 10 s.
 */
export async function createHandledSet(
  kube: Kube,
  namespace: string,
  n: number,
  concurrency: number,
  log: (line: string) => void,
): Promise<void> {
  const started = performance.now();
  let next = 0;
  let done = 0;
  const progress = setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    log(`scale set-up: ${done}/${n} objects (${(done / seconds).toFixed(0)}/s)`);
  }, 10_000);
  const path = kube.collectionPath(namespace);
  const worker = async (): Promise<void> => {
    while (next < n) {
      const index = next++;
      const name = `scale-${String(index).padStart(6, '0')}`;
      const body = handledBody(name, index);
      await retrying(() => kube.request('POST', path, body), `create ${namespace}/${name}`, 409);
      const status = { status: { created: { message: 'ok' } } };
      await retrying(
        () => kube.request('PATCH', `${path}/${name}/status`, status, 'application/merge-patch+json'),
        `patch ${namespace}/${name}/status`,
      );
      done++;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  } finally {
    clearInterval(progress);
  }
  log(`scale set-up: ${n} handled objects in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
