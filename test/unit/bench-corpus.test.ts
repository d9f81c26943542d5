/** The benchmark finds the CRD corpus from any checkout: the repository, a worktree beside it, or one elsewhere. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { findCorpus } from '../../bench/lib/corpus.ts';

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, stdio: 'ignore' });
}

test('a git worktree placed anywhere finds shared/crd-corpus beside its main repository', () => {
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'kopf-corpus-')));
  const corpus = path.join(root, 'work', 'shared', 'crd-corpus');
  mkdirSync(corpus, { recursive: true });
  const main = path.join(root, 'work', 'main');
  mkdirSync(main);
  git(main, 'init', '-q');
  git(main, 'commit', '-q', '--allow-empty', '-m', 'init');
  const elsewhere = path.join(root, 'elsewhere', 'wt');
  git(main, 'worktree', 'add', '-q', elsewhere);

  expect(findCorpus(main, {})).toBe(corpus); // above the checkout
  expect(findCorpus(elsewhere, {})).toBe(corpus); // above the main repository of the worktree
  expect(findCorpus(elsewhere, { BENCH_CRD_CORPUS: '/x/y' })).toBe('/x/y'); // the variable wins
  expect(findCorpus(path.join(root, 'elsewhere'), {})).toBeUndefined();
  rmSync(root, { recursive: true, force: true });
});
