/**
 * `kfc crd` (kubernetes-fluent-client) as a library, over many CRD files in ONE process: the same
 * `generate()` its CLI calls, once per file, errors caught per file. Usage:
 *   node kfc.ts <peersDir> <outDir> <files...>    → one JSON summary line on stdout
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [peersDir, outDir, ...files] = process.argv.slice(2);
interface KfcModule {
  generate(opts: {
    source: string;
    directory: string;
    language: string;
    logFn: (line: string) => void;
  }): Promise<Array<{ name: string; version: string }>>;
}
const kfc = (await import(
  pathToFileURL(path.join(peersDir!, 'node_modules', 'kubernetes-fluent-client', 'dist', 'generate.js')).href
)) as KfcModule;
let accepted = 0;
let outputs = 0;
const kinds = new Set<string>();
const errors: Array<{ file: string; message: string }> = [];
for (const [i, file] of files.entries()) {
  process.stderr.write(`START ${file}\n`);
  try {
    const results = await kfc.generate({
      source: file,
      directory: path.join(outDir!, String(i)),
      language: 'ts',
      logFn: () => {},
    });
    if (results.length) accepted++;
    else errors.push({ file, message: 'no types generated' });
    outputs += results.length;
    for (const r of results) kinds.add(`${path.basename(file)}:${r.name}`);
  } catch (error) {
    errors.push({ file, message: error instanceof Error ? error.message : String(error) });
  }
}
process.stdout.write(
  JSON.stringify({ accepted, rejected: files.length - accepted, outputs, crdDocuments: kinds.size, errors }) +
    '\n',
);
