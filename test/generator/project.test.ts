/** The project kopf-gen writes from crds/ (the README demo): layout, scaffold files, and that it compiles. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadAll } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, listTsFiles, REPO_ROOT, runCli, typecheck, type CliRun } from './helpers.ts';

let out: string;
let run: CliRun;
const read = (file: string) => readFileSync(path.join(out, file), 'utf8');

beforeAll(async () => {
  // Inside fixtures/**/out so that @kubernetes/client-node and the kopf-ts entry resolve from the repository.
  mkdirSync(FIXTURES, { recursive: true });
  out = path.join(mkdtempSync(path.join(FIXTURES, 'project-')), 'out', 'demo-operator');
  run = await runCli([path.join(REPO_ROOT, 'crds'), '-o', out, '--kopf-ts', 'file:../..']);
});

afterAll(() => rmSync(path.dirname(path.dirname(out)), { recursive: true, force: true }));

describe('the generated project', () => {
  it('has the documented layout', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/3 CRDs, 4 versions; 25 files written/);
    expect(listTsFiles(out).map((f) => path.relative(out, f))).toEqual([
      'src/generated/demo.kopf.dev/v1/widget.ts',
      'src/generated/demo.kopf.dev/v1/widgetclass.ts',
      'src/generated/demo.kopf.dev/v1alpha1/widgetclass.ts',
      'src/generated/demo.kopf.dev/widget.ts',
      'src/generated/demo.kopf.dev/widgetclass.ts',
      'src/generated/kopf.dev/kopfexample.ts',
      'src/generated/kopf.dev/v1/kopfexample.ts',
      'src/handlers/kopfexample.ts',
      'src/handlers/widget.ts',
      'src/handlers/widgetclass.ts',
      'src/operator.ts',
      'test/operator.test.ts',
    ]);
  });

  it('compiles under the strict, erasable-syntax-only settings of its tsconfig', () => {
    expect(typecheck(listTsFiles(path.join(out, 'src')))).toEqual([]);
    const tsconfig = JSON.parse(read('tsconfig.json')) as { compilerOptions: Record<string, unknown> };
    expect(tsconfig.compilerOptions).toMatchObject({
      strict: true,
      module: 'nodenext',
      verbatimModuleSyntax: true,
      erasableSyntaxOnly: true,
      allowImportingTsExtensions: true,
      rewriteRelativeImportExtensions: true,
    });
  });

  it('registers named, typed handlers on the descriptors', () => {
    const handlers = read('src/handlers/widget.ts');
    for (const [on, fn] of [
      ['create', 'createWidget'],
      ['update', 'updateWidget'],
      ['delete', 'deleteWidget'],
      ['resume', 'resumeWidget'],
    ]) {
      expect(handlers).toContain(`kopf.on.${on}(widgets, async function ${fn}({`);
    }
    expect(handlers).toMatch(/\/\/ kopf\.timer\(widgets, async function checkWidget/);
    expect(handlers).toMatch(/\/\/ kopf\.daemon\(widgets, async function watchWidget/);
    expect(handlers).toContain("import { widgets } from '../generated/demo.kopf.dev/widget.ts';");
    for (const kind of ['kopfexample', 'widget', 'widgetclass'])
      expect(read('src/operator.ts')).toContain(`import './handlers/${kind}.ts';\n`);
  });

  it('has a package.json depending on kopf-ts with start, typecheck and test scripts', () => {
    const pkg = JSON.parse(read('package.json')) as {
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
      type: string;
    };
    expect(pkg.dependencies['kopf-ts']).toBe('file:../..');
    expect(pkg.scripts.start).toBe('kopf run src/operator.ts --all-namespaces');
    expect(pkg.scripts).toHaveProperty('typecheck');
    expect(pkg.scripts).toHaveProperty('test');
    expect(pkg.type).toBe('module');
    expect(read('.gitignore')).toContain('node_modules/');
  });

  it('run from a checkout, vendors that checkout as an npm tarball and depends on it, remembered in kopf-gen.json', async () => {
    const other = path.join(path.dirname(out), 'default-spec');
    const generate = () => runCli([path.join(REPO_ROOT, 'crds'), '-o', other, '-q'], { defaultKopfTs: true });
    expect((await generate()).code).toBe(0);
    const pkg = JSON.parse(readFileSync(path.join(other, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies['kopf-ts']).toBe('file:vendor/kopf-ts.tgz');
    expect(JSON.parse(readFileSync(path.join(other, 'kopf-gen.json'), 'utf8'))).toMatchObject({
      kopfTs: 'file:vendor/kopf-ts.tgz',
    });
    const listing = execFileSync('tar', ['-tzf', path.join(other, 'vendor/kopf-ts.tgz')], {
      encoding: 'utf8',
    });
    expect(listing.split('\n')).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/bin/kopf.js',
        'package/dist/runtime/index.js',
      ]),
    );
    // The image build needs it too.
    expect(readFileSync(path.join(other, 'Dockerfile'), 'utf8')).toMatch(/^COPY vendor \.\/vendor$/m);
    // A rerun packs the same bytes: nothing to write.
    expect((await generate()).stdout).toMatch(/0 files written/);
  });

  it('brings Node 24 to its npm scripts with the node package kopf-ts itself pins', () => {
    const own = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    const pkg = JSON.parse(read('package.json')) as {
      devDependencies: Record<string, string>;
      allowScripts: Record<string, boolean>;
    };
    expect(pkg.devDependencies['node']).toBe(own.devDependencies['node']);
    expect(pkg.allowScripts['node']).toBe(true);
  });

  it('has a multi-stage, non-root Dockerfile without dev dependencies and with the liveness endpoint', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(3);
    expect(dockerfile).toMatch(/FROM docker\.io\/library\/node:24-slim/);
    expect(dockerfile).toMatch(/--omit=dev/);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toMatch(/^ENV NODE_OPTIONS=--max-semi-space-size=16$/m); // bounds a burst's young generation
    expect(dockerfile).toMatch(
      /ENTRYPOINT \["node_modules\/\.bin\/kopf", "run", "dist\/operator\.js", "--liveness", "http:\/\/0\.0\.0\.0:8080\/healthz"\]/,
    );
  });

  it('runs compiled JavaScript in the image: a build stage compiles src/ to dist/ with tsc', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^RUN node node_modules\/typescript\/bin\/tsc -p tsconfig\.build\.json$/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(finalStage).not.toMatch(/src/);
    expect(JSON.parse(read('tsconfig.build.json'))).toEqual({
      extends: './tsconfig.json',
      compilerOptions: { noEmit: false, rootDir: 'src', outDir: 'dist' },
      include: ['src'],
    });
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts['build']).toBe('tsc -p tsconfig.build.json');
  });

  it('puts the input CRDs and Kopf peering CRDs (not stubs for them) in deploy/', () => {
    const crds = (loadAll(read('deploy/crds.yaml')) as Array<{ metadata: { name: string } } | null>)
      .filter(Boolean)
      .map((d) => d!.metadata.name);
    expect(crds).toEqual(['kopfexamples.kopf.dev', 'widgets.demo.kopf.dev', 'widgetclasses.demo.kopf.dev']);
    const peering = (
      loadAll(read('deploy/peering.yaml')) as Array<{
        spec: { names: { kind: string }; scope: string };
      } | null>
    ).filter(Boolean);
    expect(peering.map((d) => [d!.spec.names.kind, d!.spec.scope])).toEqual([
      ['ClusterKopfPeering', 'Cluster'],
      ['KopfPeering', 'Namespaced'],
    ]);
    expect(read('deploy/peering-objects.yaml')).toMatch(
      /kind: ClusterKopfPeering\nmetadata:\n  name: default/,
    );
  });
});
