/**
 * The `kopf-ts` dependency of a project when `--kopf-ts` is not given: the kopf-ts this kopf-gen runs
 * from. A registry install resolves as `^<version>`. A checkout or a locally packed tarball is not on
 * the registry (or not at this version): then kopf-gen puts that kopf-ts, as an npm tarball, into the
 * project at {@link VENDORED_TARBALL} and depends on it by `file:` — the project installs anywhere
 * (no path outside it, no link whose install scripts npm would ask about) and builds into an image.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { readIfExists } from './files.ts';
import type { OwnPackage } from '../../common/package.ts';

/** Version-less, so that a rerun with a newer kopf-ts replaces it and package.json stays valid. */
export const VENDORED_TARBALL = 'vendor/kopf-ts.tgz';
export const VENDORED_SPEC = `file:${VENDORED_TARBALL}`;

/** Where the running kopf-ts came from. */
export type InstallSource =
  | { readonly kind: 'registry' }
  | { readonly kind: 'checkout'; readonly root: string }
  | { readonly kind: 'tarball'; readonly tarball: string };

export function defaultKopfTsSpec(source: InstallSource, version: string): string {
  return source.kind === 'registry' ? `^${version}` : VENDORED_SPEC;
}

/**
 * A checkout is a kopf-ts directory outside any node_modules; an install inside node_modules came from
 * a tarball when npm's hidden lockfile (node_modules/.package-lock.json) says so and the tarball is still
 * there; anything else (a registry URL, no record) is the registry.
 */
export function installSource(own: Pick<OwnPackage, 'root'>): InstallSource {
  const parts = path.resolve(own.root).split(path.sep);
  const nodeModules = parts.lastIndexOf('node_modules');
  if (nodeModules < 0) return { kind: 'checkout', root: path.resolve(own.root) };
  const installDir = parts.slice(0, nodeModules).join(path.sep) || path.sep;
  const lock = readIfExists(path.join(installDir, 'node_modules', '.package-lock.json'));
  const resolved = lock === undefined ? undefined : resolvedFrom(lock, parts.slice(nodeModules).join('/'));
  if (resolved?.startsWith('file:') && /\.(tgz|tar\.gz)$/.test(resolved)) {
    const tarball = path.resolve(installDir, resolved.slice('file:'.length));
    if (existsSync(tarball)) return { kind: 'tarball', tarball };
  }
  return { kind: 'registry' };
}

const packed = new Map<string, Uint8Array>();

/**
 * The npm tarball of a local kopf-ts: the one it was installed from, or `npm pack` of the checkout
 * (without running its `prepare`: the checkout's dist/ is built, since kopf-gen runs from it). npm's
 * tarballs are reproducible, so a rerun on the same checkout writes the same bytes. Packed once per
 * process.
 */
export function localTarball(source: Exclude<InstallSource, { kind: 'registry' }>): Uint8Array {
  if (source.kind === 'tarball') return readFileSync(source.tarball);
  const cached = packed.get(source.root);
  if (cached) return cached;
  const work = mkdtempSync(path.join(os.tmpdir(), 'kopf-gen-pack-'));
  try {
    const bytes = withoutPrepare(npmPack(source.root, work), work);
    packed.set(source.root, bytes);
    return bytes;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The checkout's `prepare` builds it; in a tarball it is useless (dist/ is inside), and npm >= 11 would
 * list it on every install of the project as a script waiting for approval — approvable only under the
 * tarball's absolute path. So the vendored package is repacked without it.
 */
function withoutPrepare(tarball: string, work: string): Uint8Array {
  const unpacked = path.join(work, 'unpacked');
  mkdirSync(unpacked);
  run('tar', ['-xzf', tarball, '-C', unpacked], tarball);
  const manifest = path.join(unpacked, 'package', 'package.json');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { scripts?: Record<string, string> };
  delete pkg.scripts?.['prepare'];
  writeFileSync(manifest, JSON.stringify(pkg, null, 2) + '\n');
  return readFileSync(npmPack(path.join(unpacked, 'package'), path.join(work, 'repacked')));
}

/** `npm pack` of a package directory into `destination`; the tarball's path. */
function npmPack(dir: string, destination: string): string {
  mkdirSync(destination, { recursive: true });
  run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', destination, dir], dir);
  const file = readdirSync(destination).find((name) => name.endsWith('.tgz'));
  if (file === undefined) throw new InputError({ file: dir }, 'npm pack wrote no tarball');
  return path.join(destination, file);
}

function run(command: string, args: readonly string[], about: string): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new InputError(
      { file: about },
      `${command} ${args[0]} failed (${result.error?.message ?? result.stderr.trim()}); pass --kopf-ts <npm spec> instead`,
    );
  }
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
