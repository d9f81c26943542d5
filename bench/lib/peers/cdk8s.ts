/**
 * Fallback when bench/generator/cdk8s-driver.ts (the generator engineer's, preferred) is absent.
 * `cdk8s import` (cdk8s-cli, json2jsii) as a library over many CRD files in ONE process: the same
 * ImportCustomResourceDefinition its CLI uses, once per file, errors caught per file. Usage:
 *   node cdk8s.ts <peersDir> <outDir> <files...>   → one JSON summary line on stdout
 */
import { createRequire } from 'node:module';
import path from 'node:path';

const [peersDir, outDir, ...files] = process.argv.slice(2);
interface Importer {
  moduleNames: string[];
  import(options: { outdir: string; targetLanguage: string }): Promise<void>;
}
const require = createRequire(path.join(peersDir!, 'package.json'));
// Required by file path: cdk8s-cli's package exports do not expose the importer.
const crd = require(path.join(peersDir!, 'node_modules', 'cdk8s-cli', 'lib', 'import', 'crd.js')) as {
  ImportCustomResourceDefinition: { fromSpec(spec: { source: string }): Promise<Importer> };
};
let accepted = 0;
let outputs = 0;
const errors: Array<{ file: string; message: string }> = [];
for (const [i, file] of files.entries()) {
  process.stderr.write(`START ${file}\n`);
  try {
    const importer = await crd.ImportCustomResourceDefinition.fromSpec({ source: file });
    await importer.import({ outdir: path.join(outDir!, String(i)), targetLanguage: 'typescript' });
    const count = importer.moduleNames.length;
    if (count) accepted++;
    else errors.push({ file, message: 'no modules generated' });
    outputs += count;
  } catch (error) {
    errors.push({ file, message: error instanceof Error ? error.message.split('\n')[0]! : String(error) });
  }
}
process.stdout.write(JSON.stringify({ accepted, rejected: files.length - accepted, outputs, errors }) + '\n');
