/**
 * The raw limit: a bare client that lists and watches BenchObjects cluster-wide and, for every object
 * without the result, issues exactly the API calls kopf-ts makes per handled object — no operator
 * logic (no handler registry, no diff-base computation, no progress storage, no logging).
 *
 * BENCH_CLUSTER: path of a JSON file {url, ca, clientCert, clientKey}.
 * BENCH_RAW_CALLS: comma-separated calls per object, in order (default "annotations,status"):
 *   annotations — merge-patch of metadata.annotations (the diff-base, last-handled-configuration);
 *   status      — merge-patch of the status subresource with {created: {message: "ok"}};
 *   event       — POST of a v1 Event (what Kopf posts for handler results).
 * Concurrency: unlimited, like kopf-ts's default (queueing.workerLimit undefined, an agent without a
 * socket limit): every object is handled as soon as its event arrives.
 * BENCH_RAW_HTTP2=1: one HTTP/2 session (multiplexed streams) instead of the keep-alive HTTP/1.1 pool.
 * BENCH_COUNTER_FILE: where the number of handled objects is published (every 200 ms).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Kube, PLURAL, GROUP, VERSION, isHandled, type BenchObject } from '../lib/kube.ts';

const access = JSON.parse(readFileSync(process.env['BENCH_CLUSTER'] ?? '', 'utf8')) as ConstructorParameters<
  typeof Kube
>[0];
const calls = (process.env['BENCH_RAW_CALLS'] ?? 'annotations,status').split(',').filter(Boolean);
const maxSockets = Number(process.env['BENCH_RAW_MAX_SOCKETS'] ?? 'Infinity');
const http2 = process.env['BENCH_RAW_HTTP2'] === '1';
const kube = new Kube(access, maxSockets, { http2 });
const seen = new Set<string>();
let handled = 0;

async function handle(obj: BenchObject): Promise<void> {
  const { name, namespace } = obj.metadata;
  const path = `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}/${name}`;
  for (const call of calls) {
    if (call === 'annotations') {
      const essence = JSON.stringify({ spec: obj.spec ?? {} }) + '\n';
      await kube.request(
        'PATCH',
        path,
        { metadata: { annotations: { 'kopf.zalando.org/last-handled-configuration': essence } } },
        'application/merge-patch+json',
      );
    } else if (call === 'status') {
      await kube.request(
        'PATCH',
        `${path}/status`,
        { status: { created: { message: 'ok' } } },
        'application/merge-patch+json',
      );
    } else if (call === 'event') {
      await kube.request('POST', `/api/v1/namespaces/${namespace}/events`, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { generateName: 'kopf-event-' },
        involvedObject: { apiVersion: `${GROUP}/${VERSION}`, kind: 'BenchObject', name, namespace },
        reason: 'Logging',
        message: "Handler 'created' succeeded.",
        type: 'Normal',
        source: { component: 'kopf' },
      });
    }
  }
  handled++;
}

function consider(obj: BenchObject): void {
  const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
  if (seen.has(key)) return;
  seen.add(key);
  if (isHandled(obj) || obj.metadata.deletionTimestamp) return;
  handle(obj).catch((error: unknown) => {
    seen.delete(key);
    process.stderr.write(`raw: ${key}: ${String(error)}\n`);
  });
}

const counterFile = process.env['BENCH_COUNTER_FILE'];
let published = -1;
setInterval(() => {
  if (!counterFile || handled === published) return;
  published = handled;
  writeFileSync(counterFile + '.tmp', String(handled));
  renameSync(counterFile + '.tmp', counterFile);
}, 200);

const list = await kube.list();
for (const obj of list.items) consider(obj);
kube.watch(undefined, list.metadata.resourceVersion, (event) => {
  if (event.type === 'DELETED')
    seen.delete(`${event.object.metadata.namespace}/${event.object.metadata.name}`);
  else if (event.type === 'ADDED' || event.type === 'MODIFIED') consider(event.object);
});
process.stderr.write(
  `raw: watching ${PLURAL} (calls per object: ${calls.join(', ')}; ${http2 ? 'one HTTP/2 session' : `max sockets: ${maxSockets}`})\n`,
);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    kube.close();
    process.exit(0);
  });
}
