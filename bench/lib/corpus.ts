/**
 * Where the CRD corpus is: `$BENCH_CRD_CORPUS`, else the first `shared/crd-corpus` found in the
 * checkout's directory or any directory above it — from the checkout itself and, for a git worktree
 * placed anywhere, from the main repository (git's common directory) too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const RELATIVE = path.join('shared', 'crd-corpus');

export function findCorpus(checkout: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env['BENCH_CRD_CORPUS'];
  if (explicit) return path.resolve(explicit);
  for (const start of [checkout, mainRepository(checkout)]) {
    if (!start) continue;
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, RELATIVE);
      if (existsSync(candidate)) return candidate;
      if (path.dirname(dir) === dir) break;
    }
  }
  return undefined;
}

/** The main working tree of the repository `checkout` belongs to (itself, unless a linked worktree). */
function mainRepository(checkout: string): string | undefined {
  const git = spawnSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], {
    cwd: checkout,
    encoding: 'utf8',
  });
  const common = git.status === 0 ? git.stdout.trim() : '';
  return common ? path.dirname(common) : undefined;
}
