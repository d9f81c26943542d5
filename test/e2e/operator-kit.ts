/**
 * Shared set-up of the operator e2e tests: run `kopf.operator()` in-process with any options, and
 * `useOperatorScenario()`, the per-file fixture that cleans up after every test.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createApiClient, type ClosableApiClient } from '../../runtime/client/index.ts';
import * as kopf from '../../runtime/index.ts';
import type { LogRecord } from '../../runtime/structs/logging.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import { freshNamespace, type LocalCluster, type TestNamespace } from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';
import { spawnKopf, type KopfProcess } from './cli-kit.ts';
import { FAST, installCrd, startOperator, type RunningOperator } from './handlers-kit.ts';

export interface InProcessOperator {
  /** All log records since the start (of every logger, not only the objects'). */
  records: LogRecord[];
  lines: () => string[];
  /** The operator's promise: settles when it stops (or fails to start). */
  done: Promise<void>;
  stop: () => Promise<void>;
}

/** Run `kopf.operator()` with fast test settings (overridable) until `stop()`. */
export function runOperator(
  kc: KubeConfig,
  options: Omit<kopf.OperatorOptions, 'signal' | 'settings'> & { settings?: kopf.SettingsOverrides },
): InProcessOperator {
  const records: LogRecord[] = [];
  const unlisten = kopf.addLogListener((record) => records.push(record));
  const controller = new AbortController();
  const settings = makeSettings(FAST);
  for (const [group, values] of Object.entries(options.settings ?? {}))
    Object.assign(settings[group as keyof typeof settings], values);
  const done = kopf.operator({
    kubeConfig: kc,
    standalone: true,
    ...options,
    settings,
    signal: controller.signal,
  });
  done.catch(() => undefined).finally(unlisten);
  return {
    records,
    lines: () => records.map((r) => r.message),
    done,
    stop: async () => {
      controller.abort();
      await done.catch(() => undefined);
    },
  };
}

export interface OperatorScenario {
  /** The shared test cluster. */
  readonly cluster: LocalCluster;
  /** The admin's access to it. */
  readonly kc: KubeConfig;
  /** A fresh namespace, deleted after the test. */
  namespace(prefix: string): Promise<TestNamespace>;
  /** An operator serving one namespace (see `startOperator`), stopped after the test. */
  start(
    registry: kopf.Registry,
    namespace: string,
    settings?: kopf.SettingsOverrides,
    operatorKubeConfig?: KubeConfig,
  ): RunningOperator;
  /** An operator with any options (see `runOperator`; `kubeConfig` for another identity), stopped after the test. */
  run(options: Parameters<typeof runOperator>[1]): InProcessOperator;
  /** `kopf run` as a child process (see `spawnKopf`), killed after the test if still running. */
  spawn(args: string[], env: Record<string, string>): KopfProcess;
  /** Anything else to undo after the test (undone in reverse order, with the rest). */
  defer(cleanup: () => unknown): void;
  /** The admin's API client (fast test settings). */
  readonly client: ClosableApiClient;
}

/**
 * The set-up of an e2e file that runs operators: the example CRD installed once (unless
 * `exampleCrd: false`), and after each test, whatever happened in it, what the test started undone
 * in reverse order: its operators and processes stopped, then its namespaces deleted.
 */
export function useOperatorScenario(options: { exampleCrd?: boolean } = {}): OperatorScenario {
  const cluster = testCluster();
  const kc = cluster.kubeConfig();
  const cleanups: Array<() => unknown> = [];
  const client = createApiClient(kc, makeSettings(FAST));
  if (options.exampleCrd ?? true) beforeAll(() => installCrd(kc));
  afterAll(() => client.close());
  afterEach(async () => {
    const failures: unknown[] = [];
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length) throw failures[0];
  });
  return {
    cluster,
    kc,
    client,
    async namespace(prefix) {
      const ns = await freshNamespace(kc, prefix);
      cleanups.push(() => ns.delete());
      return ns;
    },
    start(registry, namespace, settings, operatorKubeConfig) {
      const op = startOperator(kc, registry, namespace, settings, operatorKubeConfig);
      cleanups.push(() => op.stop());
      return op;
    },
    run(runOptions) {
      const op = runOperator(kc, runOptions);
      cleanups.push(() => op.stop());
      return op;
    },
    spawn(args, env) {
      const kopf = spawnKopf(args, env);
      cleanups.push(() => {
        if (kopf.child.exitCode === null && kopf.child.signalCode === null) kopf.child.kill('SIGKILL');
      });
      return kopf;
    },
    defer(cleanup) {
      cleanups.push(cleanup);
    },
  };
}

/** GET a local URL; resolves with the status and the body text. */
export async function httpGet(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

/**
 * A minimal CRD (any fields allowed, a status subresource unless `statusSubresource: false`) for tests
 * that need a resource of their own.
 */
export function crdYaml(options: {
  group: string;
  plural: string;
  kind: string;
  scope: 'Namespaced' | 'Cluster';
  categories?: readonly string[];
  statusSubresource?: boolean;
}): string {
  const singular = options.kind.toLowerCase();
  const categories = options.categories ? `, categories: [${options.categories.join(', ')}]` : '';
  return `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${options.plural}.${options.group}
spec:
  group: ${options.group}
  scope: ${options.scope}
  names: { plural: ${options.plural}, singular: ${singular}, kind: ${options.kind}${categories} }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: ${options.statusSubresource === false ? '{}' : '{ status: {} }'}
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`;
}
