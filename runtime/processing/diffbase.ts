/**
 * The diff-base: the last handled essence, stored on the object in the
 * `kopf.zalando.org/last-handled-configuration` annotation as Python's `json.dumps(...,
 * separators=(',', ':'))` writes it (ASCII-escaped) plus a newline, so Kopf and kopf-ts read each other's.
 */
import type { KubernetesObject } from '../structs/bodies.ts';
import { makeKeys } from '../structs/conventions.ts';
import { isPlainObject } from '../structs/dicts.ts';
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
