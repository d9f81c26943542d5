/**
 * The `kopf-ts` dependency a new project gets when `--kopf-ts` is not given: the kopf-ts this kopf-gen
 * runs from. A registry install resolves as `^<version>`; a checkout or a locally packed tarball is
 * not on the registry (or not at this version), so the project gets a `file:` spec to it instead —
 * otherwise its `npm install` fails with a 404.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readIfExists } from './files.ts';
import type { OwnPackage } from '../../common/package.ts';

export function defaultKopfTsSpec(projectRoot: string, own: Pick<OwnPackage, 'root' | 'version'>): string {
  const source = installSource(own.root);
  if (source === 'registry') return `^${own.version}`;
  const relative = path.relative(path.resolve(projectRoot), source).split(path.sep).join('/');
  return `file:${relative || '.'}`;
}

/**
 * Where the kopf-ts package at `root` comes from: its own directory when it is a checkout (not inside
 * node_modules), the tarball npm installed it from when that still exists, else the registry.
 */
export function installSource(root: string): string | 'registry' {
  const parts = path.resolve(root).split(path.sep);
  const nodeModules = parts.lastIndexOf('node_modules');
  if (nodeModules < 0) return path.resolve(root);
  // npm's hidden lockfile (node_modules/.package-lock.json) records where each installed package was
  // resolved from; a registry install has an https:// URL there, a local one `file:<path>`.
  const installDir = parts.slice(0, nodeModules).join(path.sep) || path.sep;
  const key = parts.slice(nodeModules).join('/');
  const lock = readIfExists(path.join(installDir, 'node_modules', '.package-lock.json'));
  const resolved = lock === undefined ? undefined : resolvedFrom(lock, key);
  if (resolved?.startsWith('file:') && resolved.endsWith('.tgz')) {
    const tarball = path.resolve(installDir, resolved.slice('file:'.length));
    if (existsSync(tarball)) return tarball;
  }
  return 'registry';
}

function resolvedFrom(lockText: string, key: string): string | undefined {
  try {
    const lock = JSON.parse(lockText) as { packages?: Record<string, { resolved?: unknown }> };
    const resolved = lock.packages?.[key]?.resolved;
    return typeof resolved === 'string' ? resolved : undefined;
  } catch {
    return undefined;
  }
}
