/**
 * Regeneration: generated files follow the CRDs, user files keep every byte, reruns are byte-identical
 * and leave mtimes alone, `--check` reports drift, and bad input writes nothing.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, snapshot, type CliRun } from './helpers.ts';

const GOLDEN = path.join(import.meta.dirname, 'golden');
let tmp: string;
let crds: string;
let project: string;

/** The summary's warning count is the number of warning lines printed. */
function expectWarningsCounted(run: CliRun): void {
  const printed = run.stderr.match(/^warning: /gm)?.length ?? 0;
  expect(printed).toBeGreaterThan(0);
  expect(run.stdout).toContain(`; ${printed} warnings`);
}

const read = (file: string) => readFileSync(path.join(project, file), 'utf8');
const addCrd = (name: string) => cpSync(path.join(GOLDEN, name, 'crd.yaml'), path.join(crds, `${name}.yaml`));

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kopf-gen-regen-'));
  crds = path.join(tmp, 'crds');
  project = path.join(tmp, 'operator');
  mkdirSync(crds);
  addCrd('enums');
});

afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('regeneration', () => {
  it('reruns byte-identically without touching any file', async () => {
    expect((await runCli([crds, '-o', project, '-q'])).code).toBe(0);
    const before = snapshot(project);
    const again = await runCli([crds, '-o', project, '-q']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/0 files written, 0 removed/);
    expect(snapshot(project)).toEqual(before);
  });

  it('keeps every byte of user code and adds stubs and imports for a new CRD', async () => {
    await runCli([crds, '-o', project, '-q']);
    const handler = `${read('src/handlers/lamp.ts')}\n// my own comment\nexport const answer = 42;\n`;
    writeFileSync(path.join(project, 'src/handlers/lamp.ts'), handler);
    const operator = `// before\n${read('src/operator.ts')}// after: my settings\nexport const settings = { peering: 'mine' };\n`;
    writeFileSync(path.join(project, 'src/operator.ts'), operator);
    const pkg = read('package.json').replace('"private": true', '"private": true,\n  "description": "mine"');
    writeFileSync(path.join(project, 'package.json'), pkg);

    addCrd('versions');
    const run = await runCli([crds, '-o', project, '-q']);
    expect(run.code, run.stderr).toBe(0);
    expect(read('src/handlers/lamp.ts')).toBe(handler);
    expect(read('package.json')).toBe(pkg);
    expect(read('src/handlers/engine.ts')).toMatch(
      /kopf\.on\.create\(engines, async function createEngine\(/,
    );
    const updated = read('src/operator.ts');
    expect(updated).toBe(
      operator.replace(
        "import './handlers/lamp.ts';\n",
        "import './handlers/lamp.ts';\nimport './handlers/engine.ts';\n",
      ),
    );
    expect(existsSync(path.join(project, 'src/generated/example.com/v1/engine.ts'))).toBe(true);
    expect(read('deploy/crds.yaml')).toMatch(/name: engines\.example\.com/);
    expect(read('deploy/rbac.yaml')).toMatch(/- engines\/status/);
  });

  it('a new served version gets its module; handlers follow the storage version through the version-less module', async () => {
    const crd = path.join(crds, 'enums.yaml');
    await runCli([crds, '-o', project, '-q']);
    const handler = read('src/handlers/lamp.ts');
    const v2 = readFileSync(crd, 'utf8')
      .replace('storage: true', 'storage: false')
      .replace(
        '  versions:\n',
        '  versions:\n    - name: v2\n      served: true\n      storage: true\n      schema: { openAPIV3Schema: { type: object, properties: { spec: { type: object, properties: { watts: { type: integer } } } } } }\n',
      );
    writeFileSync(crd, v2);
    const run = await runCli([crds, '-o', project, '-q']);
    expect(run.code, run.stderr).toBe(0);
    expect(read('src/generated/example.com/v2/lamp.ts')).toMatch(/watts\?: number;/);
    expect(read('src/generated/example.com/v1/lamp.ts')).toMatch(/Source: lamps\.example\.com, version v1\./);
    expect(read('src/generated/example.com/lamp.ts')).toMatch(/export \* from '\.\/v2\/lamp\.ts';/);
    expect(read('src/handlers/lamp.ts')).toBe(handler);
  });

  it('removes the types of a CRD that disappeared and reports its handler module', async () => {
    addCrd('versions');
    await runCli([crds, '-o', project, '-q']);
    rmSync(path.join(crds, 'versions.yaml'));
    const run = await runCli([crds, '-o', project, '-q']);
    expect(run.code).toBe(0);
    expect(existsSync(path.join(project, 'src/generated/example.com/v1/engine.ts'))).toBe(false);
    expect(existsSync(path.join(project, 'src/generated/example.com/engine.ts'))).toBe(false);
    expect(existsSync(path.join(project, 'src/generated/example.com/v1/lamp.ts'))).toBe(true);
    expect(existsSync(path.join(project, 'src/handlers/engine.ts'))).toBe(true);
    expect(run.stderr).toMatch(
      /warning: src\/handlers\/engine\.ts:\d+: imports '\.\.\/generated\/example\.com\/engine\.ts', whose CRD or version is no longer in the input/,
    );
    expectWarningsCounted(run);
    expect(read('deploy/rbac.yaml')).not.toMatch(/engines/);
  });

  it('a removed version still imported by a handler is a counted warning naming the import', async () => {
    addCrd('versions');
    await runCli([crds, '-o', project, '-q']);
    const handler = path.join(project, 'src/handlers/engine.ts');
    writeFileSync(
      handler,
      `import type { EngineSpec } from '../generated/example.com/v1alpha1/engine.ts';\n${readFileSync(handler, 'utf8')}`,
    );
    const crd = path.join(crds, 'versions.yaml');
    writeFileSync(
      crd,
      readFileSync(crd, 'utf8').replace(/    - name: v1alpha1\n[\s\S]*?(?=    - name: v1\n)/, ''),
    );
    const run = await runCli([crds, '-o', project, '-q']);
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(path.join(project, 'src/generated/example.com/v1alpha1/engine.ts'))).toBe(false);
    expect(run.stderr).toMatch(
      /warning: src\/handlers\/engine\.ts:1: imports '\.\.\/generated\/example\.com\/v1alpha1\/engine\.ts', whose CRD or version is no longer in the input; the module was left in place/,
    );
    expectWarningsCounted(run);
  });

  it('--check exits non-zero when anything would change, and writes nothing', async () => {
    const fresh = await runCli([crds, '-o', project, '--check']);
    expect(fresh.code).toBe(1);
    expect(existsSync(project)).toBe(false);
    await runCli([crds, '-o', project, '-q']);
    expect((await runCli([crds, '-o', project, '--check'])).code).toBe(0);
    addCrd('versions');
    const before = snapshot(project);
    const drift = await runCli([crds, '-o', project, '--check']);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toMatch(/would write src\/generated\/example\.com\/v1\/engine\.ts/);
    expect(snapshot(project)).toEqual(before);
  });

  it('without -o regenerates the current directory in place, keeping --namespace', () => {
    const cli = path.join(REPO_ROOT, 'generator', 'cli.ts');
    mkdirSync(project);
    cpSync(crds, path.join(project, 'crds'), { recursive: true });
    execFileSync(process.execPath, [cli, 'crds', '--namespace', 'shop', '-q'], { cwd: project });
    expect(read('deploy/rbac.yaml')).toMatch(/kind: Role\n/);
    const before = snapshot(project);
    const out = execFileSync(process.execPath, [cli, 'crds/', '-q'], { cwd: project, encoding: 'utf8' });
    expect(out).toMatch(/0 files written/);
    expect(snapshot(project)).toEqual(before);
  });
});

describe('bad input writes nothing and names the file', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['not YAML', 'a: [1, 2\nb: c\n', /bad\.yaml:\d+: not valid YAML/],
    [
      'a scalar document',
      'apiVersion: v1\nkind: ConfigMap\n---\njust a string\n',
      /bad\.yaml:4 \(document 2\): not a Kubernetes object \(a string/,
    ],
    [
      'a mapping that is no object',
      'hello: world\n',
      /bad\.yaml:1 \(document 1\): not a Kubernetes object \(no apiVersion and kind\)/,
    ],
    [
      'a CRD without names',
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: xs.example.com}\nspec: {group: example.com, scope: Namespaced, versions: [{name: v1, served: true, storage: true}]}\n',
      /bad\.yaml:1 \(document 1\): CustomResourceDefinition xs\.example\.com: has no spec\.names/,
    ],
    [
      'a CRD without a schema',
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: xs.example.com}\nspec: {group: example.com, scope: Namespaced, names: {kind: X, plural: xs}, versions: [{name: v1, served: true, storage: true}]}\n',
      /CustomResourceDefinition xs\.example\.com: version v1 has no schema\.openAPIV3Schema/,
    ],
  ];

  it.each(cases)('%s', async (_what, text, message) => {
    writeFileSync(path.join(crds, 'bad.yaml'), text);
    const run = await runCli([crds, '-o', project]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/nothing was written/);
    expect(existsSync(project)).toBe(false);
  });

  it('two CRDs with the same name', async () => {
    cpSync(path.join(crds, 'enums.yaml'), path.join(crds, 'again.yaml'));
    const run = await runCli([crds, '-o', project]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /enums\.yaml:\d+ \(document 1\): CustomResourceDefinition lamps\.example\.com is also defined in .*again\.yaml/,
    );
    expect(existsSync(project)).toBe(false);
  });

  it('an unreadable path', async () => {
    const run = await runCli([path.join(tmp, 'missing'), '-o', project]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/missing: cannot read: no such file or directory/);
  });

  it('leaves an existing project untouched', async () => {
    await runCli([crds, '-o', project, '-q']);
    const before = snapshot(project);
    addCrd('versions');
    writeFileSync(path.join(crds, 'zz-bad.yaml'), 'kind: [\n');
    const run = await runCli([crds, '-o', project]);
    expect(run.code).toBe(1);
    expect(snapshot(project)).toEqual(before);
  });
});
