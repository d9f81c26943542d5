/**
 * Where handler progress lives on the object (Kopf's progress storages):
 * - `annotations`: `kopf.zalando.org/<id>` JSON records (V2 and V1 keys), touch via `touch-dummy`;
 * - `status`: `status.kopf.progress.<id>` objects, touch via `status.kopf.dummy`;
 * - `smart` (Kopf 1.44's default): annotations, plus reading `status.kopf.progress` left by old versions.
 * Records are written into the cycle's merge-patch; purging writes `null` only for keys the object has.
 */
import type { KubernetesObject } from '../structs/bodies.ts';
import { makeKeys, storeMarker } from '../structs/conventions.ts';
import { isPlainObject, resolveField, setField, removeField, type FieldPath } from '../structs/dicts.ts';
import type { ProgressRecord } from '../structs/progress.ts';
import type { PersistenceSettings } from '../structs/settings.ts';
import { pythonJson } from './diffbase.ts';

export const STATUS_PROGRESS_FIELD: FieldPath = ['status', 'kopf', 'progress'];
const STATUS_TOUCH_FIELD: FieldPath = ['status', 'kopf', 'dummy'];
const TOUCH_KEY = 'touch-dummy';

export interface ProgressStorage {
  fetch(body: KubernetesObject, id: string): ProgressRecord | undefined;
  store(body: KubernetesObject, patch: Record<string, unknown>, id: string, record: ProgressRecord): void;
  purge(body: KubernetesObject, patch: Record<string, unknown>, id: string): void;
  /** Set (or with `undefined`, remove) the touch marker, only if it differs from the body's. */
  touch(body: KubernetesObject, patch: Record<string, unknown>, value: string | undefined): void;
}

export function progressStorage(settings: PersistenceSettings): ProgressStorage {
  const annotations = annotationsStorage(settings.annotationsPrefix);
  const status = statusStorage();
  switch (settings.progressStorage) {
    case 'annotations':
      return annotations;
    case 'status':
      return status;
    case 'smart':
      return {
        fetch: (body, id) => annotations.fetch(body, id) ?? status.fetch(body, id),
        store: (body, patch, id, record) => annotations.store(body, patch, id, record),
        purge: (body, patch, id) => {
          annotations.purge(body, patch, id);
          status.purge(body, patch, id);
        },
        touch: (body, patch, value) => annotations.touch(body, patch, value),
      };
  }
}

/** Write `value` at `path` of the patch; `null` deletes only what the body has (else drop a pending write). */
function purgeAt(body: KubernetesObject, patch: Record<string, unknown>, path: FieldPath): void {
  if (resolveField(body, path) !== undefined) setField(patch, path, null);
  else if (resolveField(patch, path) !== undefined) removeField(patch, path);
}

function annotationsStorage(prefix: string): ProgressStorage {
  const annotationPath = (key: string): FieldPath => ['metadata', 'annotations', key];
  return {
    fetch(body, id) {
      for (const key of makeKeys(prefix, id, body)) {
        const text = body.metadata?.annotations?.[key];
        if (text === undefined) continue;
        try {
          const record: unknown = JSON.parse(text);
          if (isPlainObject(record)) return record as ProgressRecord;
        } catch {
          // An unreadable record counts as none: the handler starts over.
        }
      }
      return undefined;
    },
    store(body, patch, id, record) {
      const text = pythonJson(record);
      for (const key of makeKeys(prefix, id, body)) setField(patch, annotationPath(key), text);
      storeMarker(prefix, body, patch);
    },
    purge(body, patch, id) {
      for (const key of makeKeys(prefix, id, body)) purgeAt(body, patch, annotationPath(key));
    },
    touch(body, patch, value) {
      for (const key of makeKeys(prefix, TOUCH_KEY, body)) {
        if (body.metadata?.annotations?.[key] !== value) {
          setField(patch, annotationPath(key), value ?? null);
          storeMarker(prefix, body, patch);
        }
      }
    },
  };
}

function statusStorage(): ProgressStorage {
  return {
    fetch(body, id) {
      const record = resolveField(body, [...STATUS_PROGRESS_FIELD, id]);
      return isPlainObject(record) ? (record as ProgressRecord) : undefined;
    },
    store(_body, patch, id, record) {
      setField(patch, [...STATUS_PROGRESS_FIELD, id], { ...record });
    },
    purge(body, patch, id) {
      purgeAt(body, patch, [...STATUS_PROGRESS_FIELD, id]);
    },
    touch(body, patch, value) {
      if (resolveField(body, STATUS_TOUCH_FIELD) !== value)
        setField(patch, STATUS_TOUCH_FIELD, value ?? null);
    },
  };
}
