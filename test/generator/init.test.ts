/** `kopf-gen init`: a project for someone without CRDs, from Kopf's example CRD, regenerable like any other. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './helpers.ts';

let tmp: string;
beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'kopf-gen-init-'))));
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('kopf-gen init', () => {
  it("starts a project from Kopf's example CRD, which it keeps in crds/ for `kopf-gen crds/` to regenerate from", async () => {
    const project = path.join(tmp, 'my-operator');
    const run = await runCli(['init', project]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/1 CRDs, 1 versions; \d+ files written, 0 removed; 0 warnings/);
    expect(readFileSync(path.join(project, 'crds/kopfexamples.yaml'), 'utf8')).toBe(
      readFileSync(path.join(REPO_ROOT, 'crds/kopfexamples.yaml'), 'utf8'),
    );
    expect(readdirSync(path.join(project, 'src/handlers'))).toEqual(['kopfexample.ts']);
    expect(readFileSync(path.join(project, 'test/operator.test.ts'), 'utf8')).toContain(
      "Handler 'createKopfExample'",
    );

    const again = await runCli([path.join(project, 'crds'), '-o', project, '-q']);
    expect(again.stdout).toMatch(/0 files written, 0 removed/);
  });

  it('refuses a directory that is a kopf-gen project already, writing nothing', async () => {
    const project = path.join(tmp, 'existing');
    expect((await runCli([path.join(REPO_ROOT, 'crds'), '-o', project, '-q'])).code).toBe(0);
    const before = readdirSync(project, { recursive: true }).sort();
    const run = await runCli(['init', project]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${project}/kopf-gen.json: this is a kopf-gen project already`);
    expect(readdirSync(project, { recursive: true }).sort()).toEqual(before);
  });

  it('sends a directory that has CRDs of its own to `kopf-gen crds/`', async () => {
    mkdirSync(path.join(tmp, 'crds'));
    writeFileSync(path.join(tmp, 'crds', 'mine.yaml'), 'kind: CustomResourceDefinition\n');
    const run = await runCli(['init', '-o', tmp]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('has CRDs already (mine.yaml); generate from them with `kopf-gen crds/');
    expect(readdirSync(tmp)).toEqual(['crds']);
  });
});
