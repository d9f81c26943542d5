/** Shared set-up of the handler e2e tests: the example CRD, an in-process operator, captured log lines. */
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { createApiClient, type ClosableApiClient } from '../../runtime/client/index.ts';
import * as kopf from '../../runtime/index.ts';
import type { LogRecord } from '../../runtime/structs/logging.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import { applyYaml, eventually, waitForCrd } from '../../runtime/testing/index.ts';

export const EXAMPLES = kopf.resource<
  { field?: string; size?: number; items?: string[] },
  Record<string, unknown>
>({
  group: 'kopf.dev',
  version: 'v1',
  plural: 'kopfexamples',
  kind: 'KopfExample',
  namespaced: true,
  subresources: { status: true },
});

/** Kubernetes Events (`v1`), for the tests that read what the operator posted. */
export const EVENTS = { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true };

/** Fast settings for tests: short backoffs, short throttling. */
export const FAST: kopf.SettingsOverrides = {
  execution: { defaultBackoff: 1 },
  queueing: { errorDelays: [0.5, 1], idleTimeout: 5 },
  watching: { reconnectBackoff: 0.1 },
  networking: { errorBackoffs: [0.2, 0.5] },
  process: { gracefulShutdownTimeout: 5 },
};

export async function installCrd(kc: KubeConfig): Promise<void> {
  await applyYaml(kc, readFileSync(new URL('../../crds/kopfexamples.yaml', import.meta.url), 'utf8'));
  await waitForCrd(kc, 'kopfexamples.kopf.dev');
}

// Lines are captured by a listener; the console gets them only on demand.
kopf.configureLogging(process.env.KOPF_TEST_VERBOSE ? { level: 'debug' } : { write: () => undefined });

export interface RunningOperator {
  /** Log lines (messages) about objects, in order. */
  lines: () => string[];
  records: LogRecord[];
  stats: kopf.ProcessingStats;
  stop: () => Promise<void>;
  client: ClosableApiClient;
}

/** Run an operator in-process for one namespace; stop it with `stop()`. */
export function startOperator(
  kc: KubeConfig,
  registry: kopf.Registry,
  namespace: string,
  settings: kopf.SettingsOverrides = {},
  /** The operator's identity, if not the admin's (`kc` stays the test's own client). */
  operatorKubeConfig: KubeConfig = kc,
): RunningOperator {
  const records: LogRecord[] = [];
  const unlisten = kopf.addLogListener((record) => {
    if (record.object?.namespace === namespace) records.push(record);
  });
  const controller = new AbortController();
  const stats: kopf.ProcessingStats = { cycles: 0, patches: 0 };
  const merged = makeSettings(FAST);
  for (const [group, values] of Object.entries(settings))
    Object.assign(merged[group as keyof typeof merged], values);
  const running = kopf.operator({
    registry,
    namespaces: [namespace],
    standalone: true,
    settings: merged,
    signal: controller.signal,
    kubeConfig: operatorKubeConfig,
    stats,
  });
  running.catch(() => undefined);
  const client = createApiClient(kc, makeSettings(FAST));
  return {
    records,
    stats,
    client,
    lines: () => records.map((r) => r.message),
    stop: async () => {
      controller.abort();
      await running;
      unlisten();
      client.close();
    },
  };
}

/** Wait until a log line matching `pattern` has appeared `count` times; returns the lines. */
export async function waitForLine(
  op: RunningOperator,
  pattern: RegExp | string,
  count = 1,
  timeoutMs = 60_000, // a readiness wait: generous for a busy machine
): Promise<string[]> {
  const test = (line: string) => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line));
  await eventually(
    () => {
      if (op.lines().filter(test).length < count) throw new Error(`waiting for ${count}× ${pattern}`);
      return true;
    },
    { timeoutMs, what: `log line ${pattern}` },
  );
  return op.lines().filter(test);
}

/** Count lines matching a pattern. */
export function countLines(op: RunningOperator, pattern: RegExp | string): number {
  const test = (line: string) => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line));
  return op.lines().filter(test).length;
}

export function exampleBody(
  name: string,
  spec: Record<string, unknown> = {},
  metadata: Record<string, unknown> = {},
) {
  return { apiVersion: 'kopf.dev/v1', kind: 'KopfExample', metadata: { name, ...metadata }, spec };
}

/** Wait a little for things that must NOT happen (used sparingly, after a positive wait). */
export function settle(ms = 1500): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
