/**
 * kopf-ts's own package.json, found by walking up from this module: it works from the sources
 * (`common/`) and from the build (`dist/common/`), and when installed under `node_modules/`. The CLI
 * reads its version, the test kit its root (where `test/cluster/` lives), the generator its version
 * and pinned dev dependencies for the projects it scaffolds.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface OwnPackage {
  /** The directory holding the package.json. */
  readonly root: string;
  readonly version: string;
  readonly devDependencies: Readonly<Record<string, string>>;
}

let cached: OwnPackage | undefined;

/** kopf-ts's package.json; throws if there is none above this module (a broken installation). */
export function ownPackage(): OwnPackage {
  if (cached) return cached;
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name?: string;
        version?: string;
        devDependencies?: Record<string, string>;
      };
      if (parsed.name === 'kopf-ts') {
        const { version = '0.0.0', devDependencies = {} } = parsed;
        return (cached = { root: dir, version, devDependencies });
      }
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`Cannot find kopf-ts's package.json above ${import.meta.dirname}.`);
    }
  }
}
