/**
 * The diff-base: the last handled essence, stored on the object in the
 * `kopf.zalando.org/last-handled-configuration` annotation as Python's `json.dumps(...,
 * separators=(',', ':'))` writes it (ASCII-escaped) plus a newline, so Kopf and kopf-ts read each other's.
 */
import type { KubernetesObject } from '../structs/bodies.ts';
import { makeKeys } from '../structs/conventions.ts';
import { isPlainObject, parseField, resolveField, type FieldPath } from '../structs/dicts.ts';
import type { PersistenceSettings } from '../structs/settings.ts';

/** Compact JSON with non-ASCII characters escaped, byte-identical to Python's default `json.dumps`. */
export function pythonJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function diffbaseKeys(settings: PersistenceSettings, body?: KubernetesObject): string[] {
  return makeKeys(settings.annotationsPrefix, settings.diffbaseKey, body);
}

/** The stored essence, or `undefined` if there is none (or it is unreadable: treated as never handled). */
export function readDiffbase(
  body: KubernetesObject,
  settings: PersistenceSettings,
): Record<string, unknown> | undefined {
  const annotations = body.metadata?.annotations ?? {};
  for (const key of diffbaseKeys(settings, body)) {
    const text = annotations[key];
    if (text === undefined) continue;
    try {
      const parsed: unknown = JSON.parse(text);
      if (isPlainObject(parsed)) return parsed;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The annotations (merge-patch of `metadata.annotations`) that store this essence. */
export function diffbaseAnnotations(
  essence: Record<string, unknown>,
  settings: PersistenceSettings,
  body?: KubernetesObject,
): Record<string, string> {
  const text = `${pythonJson(essence)}\n`;
  return Object.fromEntries(diffbaseKeys(settings, body).map((key) => [key, text]));
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
