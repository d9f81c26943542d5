import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { describeLoadingFailure, LoadingError, loadHandlers } from '../../runtime/cli/loading.ts';

const TRACE = Symbol.for('kopf-ts.test.loading-trace');
const trace = () => ((globalThis as Record<symbol, string[]>)[TRACE] ??= []);

function file(dir: string, name: string, text: string): string {
  writeFileSync(path.join(dir, name), text);
  return name;
}

describe('loading handler files', () => {
  test('imports TypeScript files in order, relative to the working directory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kopf-load-'));
    const record = `(globalThis as Record<symbol, string[]>)[Symbol.for('kopf-ts.test.loading-trace')]!.push`;
    const a = file(dir, 'a.ts', `const who: string = 'a'; ${record}(who);`);
    const b = file(dir, 'b.ts', `interface X { y: number } const x: X = { y: 1 }; ${record}('b' + x.y);`);
    trace().length = 0;
    await loadHandlers([b, a], [], dir);
    expect(trace()).toEqual(['b1', 'a']);
  });

  test('a file that throws while loading is reported with its name and the cause', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kopf-load-'));
    const bad = file(dir, 'bad.ts', `throw new Error('no handlers today');`);
    const error = await loadHandlers([bad], [], dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoadingError);
    expect((error as LoadingError).target).toBe('bad.ts');
    expect((error as Error).message).toBe('Failed to load bad.ts: no handlers today');
  });

  // Vitest transforms imports itself, so these two describe errors shaped as Node's loader throws them
  // (the real thing runs in the `kopf run` e2e tests).
  test('a syntax error is described by its source line and caret, without stack frames', () => {
    const cause = new SyntaxError('Unexpected token');
    cause.stack = [
      '/work/app/handlers.ts:2',
      'const y = {;',
      '           ^',
      '',
      'SyntaxError: Unexpected token',
      '    at parseTypeScript (node:internal/modules/typescript:72:36)',
      '    at ModuleLoader.load (node:internal/modules/esm/loader:787:26)',
    ].join('\n');
    expect(describeLoadingFailure(new LoadingError('handlers.ts', cause))).toBe(
      '/work/app/handlers.ts:2\nconst y = {;\n           ^\n\nSyntaxError: Unexpected token',
    );
  });

  test("other errors keep only the frames in the user's code", () => {
    const runtime = path.resolve(import.meta.dirname, '../../runtime');
    const cause = new TypeError("The startup handler 'warmup': option `retries` must be ...");
    cause.stack = [
      `TypeError: ${cause.message}`,
      `    at validateOptions (file://${runtime}/api/options.ts:55:30)`,
      `    at register (file://${runtime}/api/activities.ts:79:3)`,
      '    at file:///work/app/handlers.ts:2:6',
      '    at helper (/work/app/lib.js:10:1)',
      '    at ModuleJob.run (node:internal/modules/esm/module_job:561:25)',
      '    at async node:internal/modules/esm/loader:647:26',
    ].join('\n');
    expect(describeLoadingFailure(new LoadingError('handlers.ts', cause))).toBe(
      [
        `TypeError: ${cause.message}`,
        '    at file:///work/app/handlers.ts:2:6',
        '    at helper (/work/app/lib.js:10:1)',
      ].join('\n'),
    );
  });

  test('a missing file is reported without importing anything after it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kopf-load-'));
    const error = await loadHandlers(['missing.ts'], ['node:fs'], dir).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^Failed to load missing.ts: no such file: .*missing.ts$/);
  });

  test('modules are imported by name after the files', async () => {
    await expect(loadHandlers([], ['node:path'])).resolves.toBeUndefined();
    const error = await loadHandlers([], ['no-such-package-kopf-ts']).catch((e: unknown) => e);
    expect((error as LoadingError).target).toBe('module no-such-package-kopf-ts');
  });
});

test('an ESM-only package in the working directory’s node_modules is found by name', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kopf-load-'));
  const pkg = path.join(dir, 'node_modules', 'my-handlers');
  mkdirSync(path.join(pkg, 'lib'), { recursive: true });
  writeFileSync(
    path.join(pkg, 'package.json'),
    JSON.stringify({ name: 'my-handlers', type: 'module', exports: { '.': { import: './lib/index.js' } } }),
  );
  writeFileSync(
    path.join(pkg, 'lib', 'index.js'),
    `globalThis[Symbol.for('kopf-ts.test.loading-trace')].push('pkg');`,
  );
  trace().length = 0;
  await loadHandlers([], ['my-handlers'], dir);
  expect(trace()).toEqual(['pkg']);
});
