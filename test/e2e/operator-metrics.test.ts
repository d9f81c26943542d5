/** `/metrics` on the liveness server: handler runs, failures, retries and stream counters. */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { EXAMPLES, exampleBody } from './handlers-kit.ts';
import { freePort } from '../setup/ports.ts';
import { httpGet, useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();
const { client } = scenario;

/** The value of one sample line of the Prometheus text, e.g. `name{a="b"} 3`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (wanted.every((pair) => line.includes(pair))) return Number(line.split(' ').at(-1));
  }
  return undefined;
}

test('/metrics counts the runs, failures and retries of a failing handler, and the watch streams', async () => {
  const ns = await scenario.namespace('op-metrics');
  const registry = new kopf.Registry();
  let attempts = 0;
  kopf.on.create(
    EXAMPLES,
    function failingFn() {
      if (++attempts < 3) throw new Error(`attempt ${attempts} fails`);
      return { done: true };
    },
    { registry, backoff: 0.2 },
  );
  const port = await freePort();
  scenario.run({ registry, namespaces: [ns.name], liveness: `http://127.0.0.1:${port}/healthz` });
  await client.create(EXAMPLES, ns.name, exampleBody('flaky'));
  await eventually(async () => {
    const o = await client.get(EXAMPLES, ns.name, 'flaky');
    return (o.status as { failingFn?: unknown } | undefined)?.failingFn;
  });

  const { status, text } = await httpGet(`http://127.0.0.1:${port}/metrics`);
  expect(status).toBe(200);
  const handler = { handler: 'failingFn', resource: 'kopfexamples.v1.kopf.dev' };
  expect(sample(text, 'kopf_handler_runs_total', handler)).toBe(3);
  expect(sample(text, 'kopf_handler_failures_total', handler)).toBe(2);
  expect(sample(text, 'kopf_handler_retries_total', handler)).toBe(2);
  expect(sample(text, 'kopf_handler_duration_seconds_count', handler)).toBe(3);
  const stream = { resource: 'kopfexamples.v1.kopf.dev', namespace: ns.name };
  expect(sample(text, 'kopf_watch_listings_total', stream)).toBe(1);
  expect(sample(text, 'kopf_watch_events_total', stream)).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'kopf_objects_in_flight', stream)).toBe(0);
});
