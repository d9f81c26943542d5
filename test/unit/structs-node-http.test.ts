/**
 * The runtime takes node:http from runtime/structs/node-http.ts: an ESM import of node:http reads its lazy
 * `WebSocket` getters, which load undici (~10 MiB RSS at start-up for every operator).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, test } from 'vitest';

test('importing the runtime does not load undici', () => {
  const script = `
    await import(${JSON.stringify(path.resolve('runtime/index.ts'))});
    console.log(JSON.stringify(process.moduleLoadList.filter((name) => name.includes('undici'))));
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(JSON.parse(output)).toEqual([]);
});
