/** Shared set-up of the operator-level e2e tests: run `kopf.operator()` in-process with any options. */
import type { KubeConfig } from '@kubernetes/client-node';
import * as kopf from '../../runtime/index.ts';
import type { LogRecord } from '../../runtime/structs/logging.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import { FAST } from './handlers-kit.ts';

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

/** GET a local URL; resolves with the status and the body text. */
export async function httpGet(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

/** A minimal CRD (any fields allowed, status subresource) for tests that need a resource of their own. */
export function crdYaml(options: {
  group: string;
  plural: string;
  kind: string;
  scope: 'Namespaced' | 'Cluster';
}): string {
  const singular = options.kind.toLowerCase();
  return `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${options.plural}.${options.group}
spec:
  group: ${options.group}
  scope: ${options.scope}
  names: { plural: ${options.plural}, singular: ${singular}, kind: ${options.kind} }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`;
}
