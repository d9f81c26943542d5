/** The layering lint rule (`kopf/layering`): layers, and the sub-layers of processing/ and generator/. */
import path from 'node:path';
import { ESLint } from 'eslint';
import { expect, test } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

/** The layering messages for `code` as if it were the file at `file` (repo-relative). */
async function layering(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'kopf/layering').map((m) => m.message);
}

test('a lower runtime layer must not import a higher one', async () => {
  const messages = await layering(
    'runtime/processing/handlers.ts',
    "import { runOperator } from '../reactor/running.ts';\nexport const x = runOperator;\n",
  );
  expect(messages).toEqual([
    expect.stringMatching(/runtime\/processing\/ must not import the higher layer runtime\/reactor\//),
  ]);
});

test('a processing foundation must not import a processing step', async () => {
  const messages = await layering(
    'runtime/processing/kwargs.ts',
    "import { processChangingCause } from './changing.ts';\nexport const x = processChangingCause;\n",
  );
  expect(messages).toEqual([
    expect.stringMatching(/sub-layer 'foundations' must not import the higher .* sub-layer 'steps'/),
  ]);
});

test('a processing step may import the execution and the foundations', async () => {
  const messages = await layering(
    'runtime/processing/changing.ts',
    "import { executeOnce } from './execution.ts';\nimport type { Reason } from './handlers.ts';\nexport const x: [typeof executeOnce, Reason?] = [executeOnce];\n",
  );
  expect(messages).toEqual([]);
});

test('a new processing module must be placed into a sub-layer', async () => {
  const messages = await layering(
    'runtime/processing/brand-new.ts',
    "import type { Reason } from './handlers.ts';\nexport type X = Reason;\n",
  );
  expect(messages).toEqual([
    expect.stringMatching(/brand-new\.ts is in no sub-layer; add it to PROCESSING_SUBLAYERS/),
  ]);
});

test('a generator stage must not import a later stage; every stage may use the errors floor', async () => {
  expect(
    await layering(
      'generator/parse/crd.ts',
      "import { printType } from '../emit/print.ts';\nexport const x = printType;\n",
    ),
  ).toEqual([
    expect.stringMatching(/generator\/ stage 'parse' must not import the higher generator\/ stage 'emit'/),
  ]);
  expect(
    await layering(
      'generator/model/types.ts',
      "import type { Warning } from '../errors.ts';\nexport type X = Warning;\n",
    ),
  ).toEqual([]);
});
