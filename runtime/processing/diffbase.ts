/**
 * The diff-base: the last handled essence, stored where `settings.persistence.diffbaseStorage` says, as
 * Kopf's diff-base storages write it, so Kopf and kopf-ts read each other's:
 * - `annotations` (Kopf's `AnnotationsDiffBaseStorage`): the `kopf.zalando.org/last-handled-configuration`
 *   annotation (V2 and V1 keys), Python's `json.dumps(..., separators=(',', ':'))` (ASCII-escaped) plus a
 *   newline;
 * - `status` (Kopf's `StatusDiffBaseStorage`): the string field `status.kopf.last-handled-configuration`,
 *   the same JSON without the newline;
 * - a list (Kopf's `MultiDiffBaseStorage`): written to every storage, read from the first that has one.
 */
import type { KubernetesObject } from '../structs/bodies.ts';
import { makeKeys, storeMarker } from '../structs/conventions.ts';
import { isPlainObject, parseField, resolveField, setField, type FieldPath } from '../structs/dicts.ts';
import type { PersistenceSettings } from '../structs/settings.ts';

/** Where Kopf's `StatusDiffBaseStorage` keeps the diff-base (its default `field`, with `name='kopf'`). */
export const STATUS_DIFFBASE_FIELD: FieldPath = ['status', 'kopf', 'last-handled-configuration'];

type DiffbaseStorageKind = 'annotations' | 'status';

/** Compact JSON with non-ASCII characters escaped, byte-identical to Python's default `json.dumps`. */
export function pythonJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function diffbaseStorages(settings: PersistenceSettings): readonly DiffbaseStorageKind[] {
  const storage = settings.diffbaseStorage;
  return typeof storage === 'string' ? [storage] : storage;
}

function diffbaseKeys(settings: PersistenceSettings, body?: KubernetesObject): string[] {
  return makeKeys(settings.annotationsPrefix, settings.diffbaseKey, body);
}

/** The stored texts of one storage, in the order Kopf tries them. */
function storedTexts(
  body: KubernetesObject,
  kind: DiffbaseStorageKind,
  settings: PersistenceSettings,
): unknown[] {
  if (kind === 'status') return [resolveField(body, STATUS_DIFFBASE_FIELD)];
  const annotations = body.metadata?.annotations ?? {};
  return diffbaseKeys(settings, body).map((key) => annotations[key]);
}

/**
 * The stored essence, or `undefined` if there is none: as Kopf, only the configured storages are read,
 * the first that has one wins. An unreadable one counts as none (Kopf would fail the cycle on it).
 */
export function readDiffbase(
  body: KubernetesObject,
  settings: PersistenceSettings,
): Record<string, unknown> | undefined {
  for (const kind of diffbaseStorages(settings)) {
    for (const text of storedTexts(body, kind, settings)) {
      if (typeof text !== 'string') continue;
      try {
        const parsed: unknown = JSON.parse(text);
        if (isPlainObject(parsed)) return parsed;
      } catch {
        // Unreadable: as if absent.
      }
    }
  }
  return undefined;
}

/** Write the essence into the cycle's merge-patch, in every configured storage. */
export function storeDiffbase(
  patch: Record<string, unknown>,
  essence: Record<string, unknown>,
  settings: PersistenceSettings,
  body: KubernetesObject,
): void {
  const json = pythonJson(essence);
  for (const kind of diffbaseStorages(settings)) {
    if (kind === 'status') {
      // One string, not an object: a merge-patch must not merge an old essence into the new one.
      setField(patch, STATUS_DIFFBASE_FIELD, json);
    } else {
      // The newline as kubectl's last-applied-configuration has it, for a readable `kubectl get -o yaml`.
      for (const key of diffbaseKeys(settings, body))
        setField(patch, ['metadata', 'annotations', key], `${json}\n`);
      storeMarker(settings.annotationsPrefix, body, patch);
    }
  }
}

/**
 * The essence without `settings.persistence.diffbaseIgnoredFields` (Kopf's `ignored_fields`): each
 * removed with the parents it leaves empty, as Kopf does. The stored diff-base is cleaned the same
 * way, so ignoring a field that an older diff-base still holds triggers no update.
 */
export function withoutIgnoredFields(
  essence: Record<string, unknown>,
  settings: PersistenceSettings,
): Record<string, unknown> {
  if (!settings.diffbaseIgnoredFields.length) return essence;
  const cleaned = structuredClone(essence);
  for (const field of settings.diffbaseIgnoredFields) removeWithEmptyParents(cleaned, parseField(field));
  return cleaned;
}

function removeWithEmptyParents(target: Record<string, unknown>, path: FieldPath): void {
  for (let depth = path.length; depth > 0; depth--) {
    const parent = resolveField(target, path.slice(0, depth - 1));
    const key = path[depth - 1]!;
    if (!isPlainObject(parent)) return;
    const value = parent[key];
    // The field itself goes; its parents only once they are empty.
    if (depth < path.length && !(isPlainObject(value) && Object.keys(value).length === 0)) return;
    delete parent[key];
  }
}
