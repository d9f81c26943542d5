/**
 * Type-checks a generated project with its own TypeScript (`tsc -p tsconfig.json --noEmit`), so that
 * `kopf-gen --watch` can show what a CRD change broke in the user's handlers.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

export type TypecheckResult =
  | { readonly ran: false; readonly reason: string }
  | { readonly ran: true; readonly errors: readonly string[] };

export async function typecheckProject(root: string): Promise<TypecheckResult> {
  let tsc: string;
  try {
    tsc = createRequire(path.resolve(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    return { ran: false, reason: `TypeScript is not installed in ${root} (run npm install there)` };
  }
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit', '--pretty', 'false'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.on('error', reject);
    child.on('close', () => resolve(text));
  });
  // One diagnostic per line with --pretty false; continuation lines of long messages are indented.
  return { ran: true, errors: output.split('\n').filter((line) => /error TS\d+:/.test(line)) };
}
