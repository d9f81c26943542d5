/**
 * The public-API report: every declaration exported by the package's entry points (`kopf-ts` and
 * `kopf-ts/testing`), as their emitted declarations, in `api/*.api.md`. `npm run lint` runs it with
 * `--check` and fails when the surface changed without an updated report; `npm run api:update`
 * rewrites it. A change to the public API is then visible in review as a change of the report.
 *
 * Why not @microsoft/api-extractor: it bundles its own TypeScript (5.x) and would be one more
 * dependency tree for what the compiler API already gives in a hundred lines: the declarations
 * `tsc` emits, exactly as users' editors see them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(import.meta.dirname, '..');

/** The entry points (package.json `exports`) and their reports. */
const ENTRIES = [
  { name: 'kopf-ts', source: 'runtime/index.ts', report: 'api/kopf-ts.api.md' },
  { name: 'kopf-ts/testing', source: 'runtime/testing/index.ts', report: 'api/kopf-ts-testing.api.md' },
];

/** Emit the declarations of the runtime in memory, as `npm run build` would. */
function emitDeclarations(): Map<string, string> {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, 'tsconfig.build.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('Cannot read tsconfig.build.json.');
  const options = { ...config.options, declaration: true, emitDeclarationOnly: true, sourceMap: false };
  const program = ts.createProgram(
    ENTRIES.map((e) => path.join(ROOT, e.source)),
    options,
  );
  const files = new Map<string, string>();
  program.emit(undefined, (fileName, text) => files.set(path.resolve(fileName), text));
  return files;
}

/** A program over the emitted declarations only. */
function declarationProgram(files: Map<string, string>): ts.Program {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2023,
    types: ['node'],
    noEmit: true,
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  host.readFile = (fileName) => files.get(path.resolve(fileName)) ?? read(fileName);
  host.fileExists = (fileName) => files.has(path.resolve(fileName)) || exists(fileName);
  const roots = ENTRIES.map((e) => declarationPath(e.source));
  return ts.createProgram(roots, options, host);
}

function declarationPath(source: string): string {
  return path.join(ROOT, 'dist', source.replace(/\.ts$/, '.d.ts'));
}

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

/** Where a declaration comes from, as a source path (`runtime/api/on.ts`). */
function origin(declaration: ts.Declaration): string {
  const file = path.relative(path.join(ROOT, 'dist'), declaration.getSourceFile().fileName);
  return file.replace(/\.d\.ts$/, '.ts');
}

function isOurs(declaration: ts.Declaration): boolean {
  return declaration.getSourceFile().fileName.startsWith(path.join(ROOT, 'dist') + path.sep);
}

function resolved(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** The printed declaration(s) of a symbol, each headed by its source module. */
function printSymbol(checker: ts.TypeChecker, symbol: ts.Symbol, exportedAs?: string): string {
  const target = resolved(checker, symbol);
  return (target.declarations ?? [])
    .map((declaration) => {
      const node = ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration;
      const text = printer.printNode(ts.EmitHint.Unspecified, node, declaration.getSourceFile());
      const renamed = exportedAs && target.name !== exportedAs ? ` (exported as ${exportedAs})` : '';
      return `// ${origin(declaration)}${renamed}\n${text.replace(/^export /gm, '')}`;
    })
    .join('\n\n');
}

/**
 * Our declarations that exported ones refer to without being exported themselves (the signatures
 * behind `kopf.on.*`, the handler declarations a `Registry` holds, ...): part of the surface too.
 */
function referenced(checker: ts.TypeChecker, exported: readonly ts.Symbol[]): ts.Symbol[] {
  const seen = new Set(exported.map((symbol) => resolved(checker, symbol)));
  const found: ts.Symbol[] = [];
  const queue = [...seen];
  while (queue.length) {
    const symbol = queue.shift()!;
    for (const declaration of symbol.declarations ?? []) {
      const visit = (node: ts.Node): void => {
        if (ts.isIdentifier(node) && node !== (declaration as { name?: ts.Node }).name) {
          const target = checker.getSymbolAtLocation(node);
          const next = target && resolved(checker, target);
          if (next && !seen.has(next) && next.declarations?.some(isOurs) && !isLocal(next)) {
            seen.add(next);
            found.push(next);
            queue.push(next);
          }
        }
        ts.forEachChild(node, visit);
      };
      ts.forEachChild(declaration, visit);
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** Parameters, type parameters and members belong to their declaration, not to the surface. */
function isLocal(symbol: ts.Symbol): boolean {
  const local =
    ts.SymbolFlags.FunctionScopedVariable |
    ts.SymbolFlags.TypeParameter |
    ts.SymbolFlags.Property |
    ts.SymbolFlags.Method |
    ts.SymbolFlags.Accessor |
    ts.SymbolFlags.EnumMember;
  return (symbol.flags & local) !== 0;
}

/** The report of one entry point: every export, sorted by name, then what they refer to. */
function report(program: ts.Program, entry: (typeof ENTRIES)[number]): string {
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(declarationPath(entry.source));
  const module = file && checker.getSymbolAtLocation(file);
  if (!module) throw new Error(`No declarations for ${entry.source}.`);
  const exports = checker.getExportsOfModule(module).sort((a, b) => a.name.localeCompare(b.name));
  const section = (title: string, body: string) => `### ${title}\n\n\`\`\`ts\n${body}\n\`\`\`\n`;
  const behind = referenced(checker, exports);
  return [
    `# API report: \`${entry.name}\``,
    '',
    `Generated by \`npm run api:update\` from \`${entry.source}\`; \`npm run lint\` fails when the public`,
    'API changes without this file. Review a change here as a change of the product.',
    '',
    `${exports.length} exports; ${behind.length} declarations they refer to without exporting them.`,
    '',
    '## Exported',
    '',
    ...exports.map((symbol) => section(symbol.name, printSymbol(checker, symbol, symbol.name))),
    '## Referenced, not exported',
    '',
    ...behind.map((symbol) => section(symbol.name, printSymbol(checker, symbol))),
  ].join('\n');
}

const check = process.argv.includes('--check');
const program = declarationProgram(emitDeclarations());
let stale = 0;
for (const entry of ENTRIES) {
  const text = report(program, entry);
  const target = path.join(ROOT, entry.report);
  let current: string | undefined;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) continue;
  if (check) {
    stale++;
    process.stderr.write(
      `api-report: the public API of ${entry.name} differs from ${entry.report}; review the change and run \`npm run api:update\`.\n`,
    );
  } else {
    writeFileSync(target, text);
    process.stdout.write(`api-report: ${entry.report} written.\n`);
  }
}
process.exitCode = stale ? 1 : 0;
