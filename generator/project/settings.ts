/**
 * kopf-gen.json in the project root: the choices made with flags on the first run, so that a bare
 * `kopf-gen crds/` inside the project regenerates it the same way.
 */
import path from 'node:path';
import { readIfExists } from './files.ts';

export const SETTINGS_FILE = 'kopf-gen.json';

export interface ProjectSettings {
  /** DNS-1123 name of the operator (ServiceAccount, roles, Deployment). */
  readonly name: string;
  /** The one namespace served; null for a cluster-wide operator. */
  readonly namespace: string | null;
  /** npm spec of the kopf-ts dependency. */
  readonly kopfTs: string;
  /** Replicas of the Deployment; more than one runs with leader election (docs/scaling.md). */
  readonly replicas?: number;
  /** The replicas shard the objects (`kopf run --sharded`) instead of electing a leader. */
  readonly sharded?: boolean;
  /** Where a cluster-wide operator runs (default `default`); a namespaced one runs where it serves. */
  readonly deployNamespace?: string;
}

export function readSettings(root: string): Partial<ProjectSettings> {
  const text = readIfExists(path.join(root, SETTINGS_FILE));
  if (text === undefined) return {};
  try {
    const parsed = JSON.parse(text) as Partial<ProjectSettings>;
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

export function emitSettings(settings: ProjectSettings): string {
  // Scaling choices are written only when made, so that existing projects' files stay byte-identical.
  const { name, namespace, kopfTs, replicas, sharded, deployNamespace } = settings;
  const scaling = {
    ...(replicas !== undefined && replicas !== 1 ? { replicas } : {}),
    ...(sharded === true ? { sharded } : {}),
    ...(deployNamespace !== undefined && deployNamespace !== 'default' ? { deployNamespace } : {}),
  };
  return JSON.stringify({ name, namespace, kopfTs, ...scaling }, null, 2) + '\n';
}

/** The project name from its directory: lower-case DNS-1123, as Kubernetes names require. */
export function projectName(root: string): string {
  const base = path
    .basename(path.resolve(root))
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return base || 'operator';
}
