/**
 * The `kopf-ts` spec a new project gets by default, for each way kopf-gen can be installed: a checkout,
 * an install from a locally packed tarball, a registry install. Installs are laid out as npm leaves
 * them (node_modules/kopf-ts plus npm's hidden lockfile), without running npm.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultKopfTsSpec } from '../../generator/project/kopf-ts-spec.ts';

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

describe('the default kopf-ts dependency of a new project', () => {
  it('is a file: spec to the checkout, relative to the project, when kopf-gen runs from a checkout', () => {
    const checkout = path.join(tmp, 'src', 'kopf-ts');
    expect(defaultKopfTsSpec(path.join(tmp, 'work', 'app'), { root: checkout, version: '0.3.1' })).toBe(
      'file:../../src/kopf-ts',
    );
    expect(defaultKopfTsSpec(path.join(checkout, 'my-operator'), { root: checkout, version: '0.3.1' })).toBe(
      'file:..',
    );
  });

  it('is a file: spec to the tarball kopf-gen was installed from, while that tarball exists', () => {
    const tarball = path.join(tmp, 'kopf-ts-0.3.1.tgz');
    writeFileSync(tarball, '');
    const root = installedAt(path.join(tmp, 'npx-cache'), `file:../kopf-ts-0.3.1.tgz`);
    expect(defaultKopfTsSpec(path.join(tmp, 'app'), { root, version: '0.3.1' })).toBe(
      'file:../kopf-ts-0.3.1.tgz',
    );
    rmSync(tarball);
    expect(defaultKopfTsSpec(path.join(tmp, 'app'), { root, version: '0.3.1' })).toBe('^0.3.1');
  });

  it('is ^<version> for a registry install, and when npm left no record of where it came from', () => {
    const registry = installedAt(
      path.join(tmp, 'a'),
      'https://registry.npmjs.org/kopf-ts/-/kopf-ts-0.3.1.tgz',
    );
    expect(defaultKopfTsSpec(path.join(tmp, 'app'), { root: registry, version: '0.3.1' })).toBe('^0.3.1');
    const unknown = installedAt(path.join(tmp, 'b'), undefined);
    expect(defaultKopfTsSpec(path.join(tmp, 'app'), { root: unknown, version: '0.3.1' })).toBe('^0.3.1');
  });
});
