/**
 * A project directory that cannot take the output gets kopf-gen's one-line error naming the path, and
 * stays as it was: every target is checked before anything moves, and a move that fails anyway moves
 * back what was already in place. Tests run as root, where permission bits stop nothing, so read-only
 * directories are made with `chattr` (immutable: no change at all; append-only: new entries only).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, snapshot } from './helpers.ts';

const GOLDEN = path.join(import.meta.dirname, 'golden');
let tmp: string;
let crds: string;
let project: string;
/** Directories given an attribute, cleared again after each test so they can be removed. */
const attributed: string[] = [];

function chattr(flag: '+i' | '+a', dir: string): void {
  execFileSync('chattr', [flag, dir]);
  attributed.push(dir);
}

/** `chattr` needs root and a file system with attributes (ext4, xfs); say why when they are missing. */
const chattrMissing = ((): string | undefined => {
  const probe = mkdtempSync(path.join(os.tmpdir(), 'kopf-gen-chattr-'));
  try {
    execFileSync('chattr', ['+i', probe], { stdio: 'ignore' });
    execFileSync('chattr', ['-i', probe], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `chattr +i does not work in ${os.tmpdir()} (needs root and ext4/xfs)`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
})();
if (chattrMissing) console.log(`skipping the read-only directory tests: ${chattrMissing}`);

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kopf-gen-output-'));
  crds = path.join(tmp, 'crds');
  project = path.join(tmp, 'operator');
  mkdirSync(crds);
  cpSync(path.join(GOLDEN, 'enums', 'crd.yaml'), path.join(crds, 'enums.yaml'));
});

afterEach(() => {
  for (const dir of attributed.splice(0)) execFileSync('chattr', ['-i', '-a', dir]);
  rmSync(tmp, { recursive: true, force: true });
});

/** A generated project, then a CRD change that touches generated types, deploy/ and a new handler. */
async function projectWithPendingChanges(): Promise<Map<string, { content: string; mtime: number }>> {
  expect((await runCli([crds, '-o', project, '-q'])).code).toBe(0);
  cpSync(path.join(GOLDEN, 'versions', 'crd.yaml'), path.join(crds, 'versions.yaml'));
  return snapshot(project);
}

function expectOneLineError(stderr: string, pathPattern: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(2);
  expect(lines[0]).toMatch(new RegExp(`^kopf-gen: error: ${pathPattern}: `));
  expect(lines[1]).toBe('kopf-gen: nothing was written.');
}

describe('kopf-gen file-system errors', () => {
  it('an output path that is a file', async () => {
    writeFileSync(project, 'not a directory\n');
    const run = await runCli([crds, '-o', project]);
    expect(run.code).toBe(1);
    expectOneLineError(run.stderr, `${project}`);
    expect(run.stderr).toMatch(/is a file, but the project must be a directory here/);
    expect(readFileSync(project, 'utf8')).toBe('not a directory\n');
  });

  it('a file where the project needs a directory', async () => {
    const before = await projectWithPendingChanges();
    rmSync(path.join(project, 'deploy'), { recursive: true });
    writeFileSync(path.join(project, 'deploy'), 'in the way\n');
    const expected = new Map(before);
    for (const file of expected.keys()) if (file.startsWith('deploy/')) expected.delete(file);
    expected.set('deploy', snapshot(project).get('deploy')!);
    const run = await runCli([crds, '-o', project]);
    expect(run.code).toBe(1);
    expectOneLineError(run.stderr, `${project}/deploy`);
    expect(run.stderr).toMatch(/is a file, but kopf-gen needs a directory here/);
    expect(snapshot(project)).toEqual(expected);
  });

  it('an unreadable project file is an error, never taken for a missing one', async () => {
    const before = await projectWithPendingChanges();
    rmSync(path.join(project, 'src/handlers/lamp.ts'));
    mkdirSync(path.join(project, 'src/handlers/lamp.ts'));
    const run = await runCli([crds, '-o', project]);
    expect(run.code).toBe(1);
    expectOneLineError(run.stderr, `${project}/src/handlers/lamp\\.ts`);
    expect(run.stderr).toMatch(/cannot read: is a directory/);
    before.delete('src/handlers/lamp.ts');
    expect(snapshot(project)).toEqual(before);
  });

  it.skipIf(chattrMissing)('a read-only output directory: nothing is created in it', async () => {
    const parent = path.join(tmp, 'readonly');
    mkdirSync(parent);
    chattr('+i', parent);
    const run = await runCli([crds, '-o', path.join(parent, 'operator')]);
    expect(run.code).toBe(1);
    expectOneLineError(run.stderr, parent);
    expect(run.stderr).toMatch(/cannot write: operation not permitted/);
    expect(existsSync(path.join(parent, 'operator'))).toBe(false);
  });

  it.skipIf(chattrMissing)(
    'a read-only subdirectory of an existing project: found before anything moves',
    async () => {
      const before = await projectWithPendingChanges();
      chattr('+i', path.join(project, 'deploy'));
      const run = await runCli([crds, '-o', project]);
      expect(run.code).toBe(1);
      expectOneLineError(run.stderr, `${project}/deploy`);
      expect(snapshot(project)).toEqual(before);
    },
  );

  it.skipIf(chattrMissing)(
    'a move that fails half-way (an append-only directory passes every check) moves everything back',
    async () => {
      const before = await projectWithPendingChanges();
      chattr('+a', path.join(project, 'deploy'));
      const run = await runCli([crds, '-o', project]);
      expect(run.code).toBe(1);
      expectOneLineError(run.stderr, `${project}/deploy/[a-z.-]+\\.yaml`);
      expect(run.stderr).toMatch(/every file moved so far was moved back/);
      expect(snapshot(project)).toEqual(before);
    },
  );
});
