/**
 * `kopf-gen --watch`: a change to the CRD files regenerates the project (debounced, user code kept),
 * and the project is type-checked with its own tsc after every regeneration; a handler left importing a
 * removed kind gets a warning and the tsc errors are shown. The project resolves kopf-ts, TypeScript and
 * @types/node from this repository (symlinks), as `npm install` would with a file: spec.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../generator/cli.ts';
import { eventually } from '../../runtime/testing/kube.ts';
import { REPO_ROOT } from './helpers.ts';

let tmp: string;
let crds: string;
let project: string;
const lines: string[] = [];
const stop = new AbortController();
let watching: Promise<number>;

/** Waits for a line matching `pattern` printed after the first `from` lines. */
const waitForLine = (pattern: RegExp, from: number, timeoutMs = 60_000) =>
  eventually(() => lines.slice(from).find((line) => pattern.test(line)), { timeoutMs }).catch(
    (error: unknown) => {
      throw new Error(`kopf-gen did not print ${pattern}; it printed:\n${lines.slice(from).join('\n')}`, {
        cause: error,
      });
    },
  );

beforeAll(async () => {
  expect(existsSync(path.join(REPO_ROOT, 'dist/runtime/index.d.ts')), 'dist/ is missing: npm run build').toBe(
    true,
  );
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kopf-gen-watch-'));
  crds = path.join(tmp, 'crds');
  project = path.join(tmp, 'operator');
  mkdirSync(crds);
  cpSync(path.join(REPO_ROOT, 'crds/kopfexamples.yaml'), path.join(crds, 'kopfexamples.yaml'));
  mkdirSync(path.join(project, 'node_modules'), { recursive: true });
  symlinkSync(REPO_ROOT, path.join(project, 'node_modules/kopf-ts'));
  for (const dependency of ['typescript', '@types'])
    symlinkSync(
      path.join(REPO_ROOT, 'node_modules', dependency),
      path.join(project, 'node_modules', dependency),
    );
  const output = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
  watching = main([crds, '-o', project, '--watch', '-q'], output, stop.signal);
  await waitForLine(/watching .* for changes/, 0, 120_000);
}, 150_000);

afterAll(async () => {
  stop.abort();
  expect(await watching).toBe(0);
  expect(lines.at(-1)).toBe('kopf-gen: stopped watching.');
  rmSync(tmp, { recursive: true, force: true });
});

describe('kopf-gen --watch', () => {
  it('generates and type-checks the project at start', () => {
    expect(lines).toContain('kopf-gen: the project type-checks (tsc).');
    expect(existsSync(path.join(project, 'src/handlers/kopfexample.ts'))).toBe(true);
  });

  it('regenerates once per burst of changes to the CRDs, keeping user code, then type-checks again', async () => {
    const operator = readFileSync(path.join(project, 'src/operator.ts'), 'utf8');
    const from = lines.length;
    // Several writes in quick succession, as an editor's save or a `git checkout` makes: one regeneration.
    // An editor's temporary file is not a CRD source and triggers nothing.
    const widget = readFileSync(path.join(REPO_ROOT, 'crds/widget.yaml'), 'utf8');
    writeFileSync(path.join(crds, 'widget.yaml.swp'), widget);
    writeFileSync(path.join(crds, 'widget.yaml'), widget.slice(0, 10));
    writeFileSync(path.join(crds, 'widget.yaml'), widget);
    await waitForLine(/the project type-checks/, from);
    expect(lines.slice(from).filter((line) => line.endsWith('changed; regenerating'))).toHaveLength(1);
    expect(lines.slice(from).find((line) => line.endsWith('changed; regenerating'))).toMatch(
      /widget\.yaml changed/,
    );
    expect(existsSync(path.join(project, 'src/handlers/widget.ts'))).toBe(true);
    const updated = readFileSync(path.join(project, 'src/operator.ts'), 'utf8');
    const added = ["import './handlers/widget.ts';\n", "import './handlers/widgetclass.ts';\n"];
    expect(added.every((line) => updated.includes(line))).toBe(true);
    expect(added.reduce((text, line) => text.replace(line, ''), updated)).toBe(operator);
  });

  it('warns about a handler that imports a removed kind and shows the tsc errors it causes', async () => {
    const from = lines.length;
    rmSync(path.join(crds, 'kopfexamples.yaml'));
    await waitForLine(/no longer type-checks/, from);
    const output = lines.slice(from).join('\n');
    expect(output).toMatch(
      /warning: src\/handlers\/kopfexample\.ts:\d+: imports '\.\.\/generated\/kopf\.dev\/kopfexample\.ts', whose CRD or version is no longer in the input/,
    );
    expect(output).toMatch(/src\/handlers\/kopfexample\.ts\(\d+,\d+\): error TS2307: Cannot find module/);
    expect(existsSync(path.join(project, 'src/handlers/kopfexample.ts'))).toBe(true);
  });

  it('reports bad input, writes nothing, and keeps watching', async () => {
    const from = lines.length;
    writeFileSync(path.join(crds, 'broken.yaml'), 'kind: CustomResourceDefinition\nspec: [\n');
    await waitForLine(/nothing was written/, from);
    expect(lines.slice(from).join('\n')).toMatch(/kopf-gen: error: .*broken\.yaml/);
    const next = lines.length;
    rmSync(path.join(crds, 'broken.yaml'));
    await waitForLine(/files written/, next);
  });
});
