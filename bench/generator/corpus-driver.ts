/**
 * kopf-gen (its build in dist/, if there is one) over many CRD files in ONE process, one project per file (files of the corpus define the
 * same CRD twice, which one project rejects), the way the peers' drivers run their libraries. Usage:
 *   node corpus-driver.ts <outDir> <files...>   → one JSON summary line on stdout
 *
 * The projects depend on kopf-ts as a registry install of kopf-gen makes them (`^<version>`). Run from
 * a checkout, kopf-gen would otherwise pack that checkout into each project (vendor/kopf-ts.tgz): two
 * `npm pack` runs, ~2.7 s once per process on the bench machine, which no peer does and no user of
 * the registry package pays (bench/findings.md, "generator speed").
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

// The build, as a registry install runs it (the peers' drivers run their compiled JavaScript too);
// the sources, type-stripped at load (~0.2 s more CPU), only when there is no build. The helpers come
// from the same tree: importing them from the sources would type-strip them and their imports.
const built = existsSync(path.join(import.meta.dirname, '..', '..', 'dist', 'generator', 'cli.js'));
const from = (module: string): string => (built ? `../../dist/${module}.js` : `../../${module}.ts`);
const { main } = (await import(from('generator/cli'))) as typeof import('../../generator/cli.ts');
const { ownPackage } = (await import(from('common/package'))) as typeof import('../../common/package.ts');
const { defaultKopfTsSpec } = (await import(
  from('generator/project/kopf-ts-spec')
)) as typeof import('../../generator/project/kopf-ts-spec.ts');

const [outDir, ...files] = process.argv.slice(2);
const kopfTs = defaultKopfTsSpec({ kind: 'registry' }, ownPackage().version);
let accepted = 0;
let crds = 0;
let versions = 0;
let warnings = 0;
const errors: Array<{ file: string; message: string }> = [];
const quiet = { out: (line: string) => collect(line), err: (line: string) => collect(line) };
let lines: string[] = [];
function collect(line: string): void {
  lines.push(line);
}
for (const [i, file] of files.entries()) {
  lines = [];
  const code = await main([file, '-o', path.join(outDir!, String(i)), '--kopf-ts', kopfTs, '--quiet'], quiet);
  const summary = lines.map((l) => /(\d+) CRDs, (\d+) versions/.exec(l)).find(Boolean);
  if (code === 0 && summary) {
    accepted++;
    crds += Number(summary[1]);
    versions += Number(summary[2]);
  } else {
    errors.push({ file, message: lines.filter((l) => l.includes('error')).join(' ') });
  }
  warnings += lines.filter((l) => l.startsWith('warning:')).length;
}
process.stdout.write(
  JSON.stringify({ accepted, rejected: files.length - accepted, crds, versions, warnings, errors }) + '\n',
);
