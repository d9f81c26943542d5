/** Shared by the generator tests: run kopf-gen in-process and type-check generated projects with tsc. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { main } from '../../generator/cli.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
/** CI lays the shared corpus beside the clone. */
export const CORPUS = path.resolve(REPO_ROOT, '..', 'shared', 'crd-corpus');
export const FIXTURES = path.join(import.meta.dirname, 'fixtures');
/** What `kopf-ts` resolves to in compile tests: the runtime's public entry, as the package exports it. */
const KOPF_TS_ENTRY = path.join(REPO_ROOT, 'runtime', 'index.ts');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in this process (fast: no Node start-up per run) and captures its output. A generated
 * project gets `--kopf-ts file:../kopf-ts` unless the arguments name a spec: by default, kopf-gen run
 * from this checkout `npm pack`s it into every project (seconds each), which only the tests of that
 * default want (`{ defaultKopfTs: true }`).
 */
export async function runCli(
  args: readonly string[],
  options: { defaultKopfTs?: boolean } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const generates = args[0] !== 'rbac' && !args.includes('--kopf-ts');
  const argv = generates && !options.defaultKopfTs ? [...args, '--kopf-ts', 'file:../kopf-ts'] : args;
  const code = await main(argv, {
    out: (line) => (stdout += `${line}\n`),
    err: (line) => (stderr += `${line}\n`),
  });
  return { code, stdout, stderr };
}

export function listTsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) out.push(path.join(entry.parentPath, entry.name));
  }
  return out.sort();
}

/**
 * Type-checks files with the generated project's compiler options (strict, erasable syntax only,
 * nodenext) in ONE program. Returns formatted diagnostics of the given files only, so work in
 * progress elsewhere (the runtime) cannot fail generator tests.
 */
export function typecheck(files: readonly string[]): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2023,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    erasableSyntaxOnly: true,
    allowImportingTsExtensions: true,
    isolatedModules: true,
    skipLibCheck: true,
    noEmit: true,
    paths: { 'kopf-ts': [KOPF_TS_ENTRY] },
    pathsBasePath: REPO_ROOT,
  };
  const program = ts.createProgram({ rootNames: [...files], options });
  const mine = new Set(files.map((f) => path.resolve(f)));
  const diagnostics = [
    ...program.getSyntacticDiagnostics(),
    ...program.getSemanticDiagnostics(),
    ...program.getGlobalDiagnostics(),
  ];
  return diagnostics
    .filter((d) => !d.file || mine.has(path.resolve(d.file.fileName)))
    .map((d) => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (!d.file || d.start === undefined) return message;
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      return `${path.relative(REPO_ROOT, d.file.fileName)}(${line + 1},${character + 1}): ${message}`;
    });
}

/** Every file of a directory with its bytes and mtime. */
export function snapshot(dir: string): Map<string, { content: string; mtime: number }> {
  const files = new Map<string, { content: string; mtime: number }>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, file), {
      content: readFileSync(file, 'utf8'),
      mtime: statSync(file).mtimeMs,
    });
  }
  return files;
}
