/**
 * Where the running kopf-ts comes from, which decides the `kopf-ts` dependency of a new project: a
 * checkout, an install from a locally packed tarball, a registry install. Installs are laid out as npm
 * leaves them (node_modules/kopf-ts plus npm's hidden lockfile), without running npm.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultKopfTsSpec, installSource, localTarball } from '../../generator/project/kopf-ts-spec.ts';

let tmp: string;
beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'kopf-ts-spec-'))));
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** An npm install of kopf-ts in `dir` (an npx cache, a global prefix, a project), resolved from `resolved`. */
function installedAt(dir: string, resolved: string | undefined): string {
  const root = path.join(dir, 'node_modules', 'kopf-ts');
  mkdirSync(root, { recursive: true });
  const entry = resolved === undefined ? { version: '0.3.1' } : { version: '0.3.1', resolved };
  writeFileSync(
    path.join(dir, 'node_modules', '.package-lock.json'),
    JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/kopf-ts': entry } }),
  );
  return root;
}

describe('where kopf-ts comes from, and the dependency a new project gets', () => {
  it('a directory outside node_modules is a checkout: the project vendors it as a tarball', () => {
    const root = path.join(tmp, 'src', 'kopf-ts');
    expect(installSource({ root })).toEqual({ kind: 'checkout', root });
    expect(defaultKopfTsSpec({ kind: 'checkout', root }, '0.3.1')).toBe('file:vendor/kopf-ts.tgz');
  });

  it('an install from a local tarball is that tarball, while it exists; the project vendors a copy', () => {
    const tarball = path.join(tmp, 'kopf-ts-0.3.1.tgz');
    writeFileSync(tarball, 'the tarball');
    const root = installedAt(path.join(tmp, 'npx-cache'), `file:../kopf-ts-0.3.1.tgz`);
    const source = installSource({ root });
    expect(source).toEqual({ kind: 'tarball', tarball });
    expect(defaultKopfTsSpec(source, '0.3.1')).toBe('file:vendor/kopf-ts.tgz');
    expect(Buffer.from(localTarball({ kind: 'tarball', tarball })).toString()).toBe('the tarball');
    rmSync(tarball);
    expect(installSource({ root })).toEqual({ kind: 'registry' });
  });

  it('a registry install, or one npm left no record of, keeps ^<version>', () => {
    const registry = installedAt(
      path.join(tmp, 'a'),
      'https://registry.npmjs.org/kopf-ts/-/kopf-ts-0.3.1.tgz',
    );
    expect(installSource({ root: registry })).toEqual({ kind: 'registry' });
    expect(defaultKopfTsSpec({ kind: 'registry' }, '0.3.1')).toBe('^0.3.1');
    expect(installSource({ root: installedAt(path.join(tmp, 'b'), undefined) })).toEqual({
      kind: 'registry',
    });
  });
});
