/**
 * The essence of an object: what change detection compares, and what the diff-base stores.
 * Everything top-level but `apiVersion`, `kind`, `metadata` and `status`; of the metadata, only labels
 * (but sharding's) and annotations that are not Kopf's (ours or other Kopf operators') and not kubectl's
 * last-applied; plus the fields handlers filter on (that is how `status.x` can be watched).
 */
import type { KubernetesObject } from '../structs/bodies.ts';
import { detectMarkedPrefixes, isShardingLabel } from '../structs/conventions.ts';
import { deepCopy, isPlainObject, resolveField, setField, type FieldPath } from '../structs/dicts.ts';

const KUBECTL_LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export interface EssenceOptions {
  /** Our own annotations prefix (always excluded, even without a marker). */
  prefix: string;
  /** Fields of handlers' `field` filters, re-added even if non-essential (e.g. under `status`). */
  extraFields?: readonly FieldPath[];
  /** Where the status storages keep progress and the diff-base (never essential). */
  storageFields?: readonly FieldPath[];
}

/** Top-level fields that are never essential (metadata contributes only labels and annotations). */
const NON_ESSENTIAL = new Set(['apiVersion', 'kind', 'metadata', 'status']);

export function essenceOf(body: KubernetesObject, options: EssenceOptions): Record<string, unknown> {
  // Only the essential fields are copied: copying the whole body first (metadata.managedFields is
  // often its biggest part) and deleting most of it cost CPU and garbage on every event.
  const essence: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!NON_ESSENTIAL.has(key) && value !== undefined) essence[key] = deepCopy(value);
  }

  // Sharding's labels move with the object between replicas: that is no change to its handlers.
  const labels = Object.fromEntries(
    Object.entries(body.metadata?.labels ?? {}).filter(([key]) => !isShardingLabel(key)),
  );
  const annotations = body.metadata?.annotations ?? {};
  const marked = detectMarkedPrefixes(Object.keys(annotations));
  marked.add(options.prefix);
  const keptAnnotations = Object.fromEntries(
    Object.entries(annotations).filter(([key]) => {
      if (key === KUBECTL_LAST_APPLIED) return false;
      const slash = key.indexOf('/');
      return slash < 0 || !marked.has(key.slice(0, slash));
    }),
  );
  const metadata: Record<string, unknown> = {};
  if (Object.keys(labels).length) metadata.labels = { ...labels };
  if (Object.keys(keptAnnotations).length) metadata.annotations = keptAnnotations;
  if (Object.keys(metadata).length) essence.metadata = metadata;

  for (const field of options.extraFields ?? []) {
    const value = resolveField(body, field);
    if (value !== undefined) setField(essence, field, deepCopy(value));
  }
  for (const field of options.storageFields ?? []) {
    if (!isPlainObject(essence.status)) break;
    const parent = resolveField(essence, field.slice(0, -1));
    const last = field[field.length - 1];
    if (isPlainObject(parent) && last !== undefined) delete parent[last];
    if (Object.keys(essence.status).length === 0) delete essence.status;
  }
  return essence;
}
