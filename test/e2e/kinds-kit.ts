/** Shared bits of the per-object handler kinds' e2e tests (event, timer, daemon, index, sub-handlers). */
import type { KubernetesObject } from '../../runtime/index.ts';
import { EXAMPLES, type RunningOperator } from './handlers-kit.ts';

export const FINALIZER = 'kopf.zalando.org/KopfFinalizerMarker';

/** Whether the example object no longer exists (404). */
export async function isGone(op: RunningOperator, namespace: string, name: string): Promise<boolean> {
  try {
    await op.client.get(EXAMPLES, namespace, name);
    return false;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return true;
    throw error;
  }
}

export async function getExample(
  op: RunningOperator,
  namespace: string,
  name: string,
): Promise<KubernetesObject> {
  return op.client.get(EXAMPLES, namespace, name);
}

export function statusOf(object: KubernetesObject): Record<string, unknown> {
  return (object.status ?? {}) as Record<string, unknown>;
}
