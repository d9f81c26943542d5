/**
 * Kopf's naming conventions for the annotations it stores, byte for byte: V1/V2 keys with the 63-char
 * limits, BLAKE2b-4 hash suffixes for long keys, the `-ofDRS` mark for ReplicaSets of Deployments, and
 * the detection of annotation prefixes managed by any Kopf-based operator (to avoid ping-pong).
 */
import { blake2b } from './blake2b.ts';
import type { KubernetesObject } from './bodies.ts';
import { setField } from './dicts.ts';

const KNOWN_MARKERS = new Set(['kopf-managed']);
const KNOWN_PREFIXES = ['kopf.zalando.org'];

/** `/` → `.`, `<`/`>` → `_`: characters Kubernetes rejects in annotation names. */
export function makeSafeKey(key: string): string {
  return key.replaceAll('/', '.').replaceAll('<', '_').replaceAll('>', '_');
}

/** `-` + base64 (altchars `-.`) of the 4-byte BLAKE2b digest, with trailing `=`, `-`, `.` stripped. */
export function makeSuffix(key: string): string {
  const digest = blake2b(new TextEncoder().encode(key), 4);
  const alnums = Buffer.from(digest).toString('base64').replaceAll('+', '-').replaceAll('/', '.');
  return `-${alnums}`.replace(/[=\-.]+$/, '');
}

/** V1 key: the whole key (prefix included) limited to 63 chars. */
export function makeV1Key(prefix: string, key: string, maxLength = 63): string {
  const safeKey = makeSafeKey(key);
  const head = prefix ? `${prefix}/` : '';
  const suffix = safeKey.length <= maxLength - head.length ? '' : makeSuffix(safeKey);
  return `${head}${safeKey.slice(0, Math.max(0, maxLength - head.length - suffix.length))}${suffix}`;
}

/** V2 key: only the name part (after the prefix) limited to 63 chars. */
export function makeV2Key(prefix: string, key: string, maxLength = 63): string {
  const head = prefix ? `${prefix}/` : '';
  const suffix = key.length > maxLength ? makeSuffix(key) : '';
  const limit = Math.max(0, maxLength - suffix.length);
  return `${head}${makeSafeKey(key).slice(0, limit)}${suffix}`;
}

/** Kubernetes copies a Deployment's annotations to its ReplicaSets; Kopf marks their keys apart. */
export function markKey(key: string, body: KubernetesObject | undefined): string {
  const owners = body?.metadata?.ownerReferences ?? [];
  return body?.kind === 'ReplicaSet' && owners.some((o) => o.kind === 'Deployment') ? `${key}-ofDRS` : key;
}

/** The annotation keys of a record: the V2 key first, then the V1 key if it differs (Kopf's `v1=True`). */
export function makeKeys(prefix: string, key: string, body?: KubernetesObject, v1 = true): string[] {
  const marked = markKey(key, body);
  const v2 = makeV2Key(prefix, marked);
  const keys = [v2];
  if (v1) {
    const v1Key = makeV1Key(prefix, marked);
    if (v1Key !== v2) keys.push(v1Key);
  }
  return keys;
}

/** Annotation prefixes that belong to Kopf-based operators (ours or others'), seen in these keys. */
export function detectMarkedPrefixes(keys: Iterable<string>): Set<string> {
  const prefixes = new Set<string>();
  for (const key of keys) {
    const slash = key.indexOf('/');
    if (slash < 0) continue;
    const prefix = key.slice(0, slash);
    const name = key.slice(slash + 1);
    if (KNOWN_MARKERS.has(name) || KNOWN_PREFIXES.some((p) => prefix === p || prefix.endsWith(`.${p}`))) {
      prefixes.add(prefix);
    }
  }
  return prefixes;
}

/** The marker a non-`kopf.*` prefix gets, so other Kopf operators recognise our annotations. */
export function markerKey(prefix: string): string | undefined {
  return prefix && !prefix.startsWith('kopf.') ? `${prefix}/kopf-managed` : undefined;
}

/** Add the marker to a merge-patch that stores annotations, unless the body has it (Kopf's `_store_marker`). */
export function storeMarker(prefix: string, body: KubernetesObject, patch: Record<string, unknown>): void {
  const marker = markerKey(prefix);
  if (marker && body.metadata?.annotations?.[marker] === undefined)
    setField(patch, ['metadata', 'annotations', marker], 'yes');
}

/** Sharded scale-out's label on an object: the ring member that handles it. */
export function shardLabel(ring: string): string {
  return `kopf.dev/shard-${ring}`;
}

/** Sharded scale-out's label on an object being handed over: its member is asked to let it go. */
export function drainLabel(ring: string): string {
  return `kopf.dev/drain-${ring}`;
}

/** Whether a label is sharding's: it says who handles the object, not what the object is. */
export function isShardingLabel(key: string): boolean {
  return /^kopf\.dev\/(shard|drain)-/.test(key);
}
