/**
 * `cdk8s import` (cdk8s-cli, json2jsii) as a library over many CRD files in ONE process: the importer
 * its CLI uses, once per file, errors caught per file. The module is required by file path because
 * cdk8s-cli's package exports do not expose it. Usage:
 *   node cdk8s-driver.ts <peersDir> <outDir> <files...>   → one JSON summary line on stdout
 */
import { createRequire } from 'node:module';
import path from 'node:path';

const [peersDir, outDir, ...files] = process.argv.slice(2);
interface Importer {
  moduleNames: string[];
  import(options: { outdir: string; targetLanguage: string }): Promise<void>;
}
const require = createRequire(path.join(peersDir!, 'package.json'));
const crd = require(path.join(peersDir!, 'node_modules', 'cdk8s-cli', 'lib', 'import', 'crd.js')) as {
  ImportCustomResourceDefinition: { fromSpec(spec: { source: string }): Promise<Importer> };
};
let accepted = 0;
let outputs = 0;
const errors: Array<{ file: string; message: string }> = [];
for (const [i, file] of files.entries()) {
  try {
    const importer = await crd.ImportCustomResourceDefinition.fromSpec({ source: file });
    await importer.import({ outdir: path.join(outDir!, String(i)), targetLanguage: 'typescript' });
    if (importer.moduleNames.length) accepted++;
    else errors.push({ file, message: 'no modules generated' });
    outputs += importer.moduleNames.length;
  } catch (error) {
    errors.push({ file, message: error instanceof Error ? error.message.split('\n')[0]! : String(error) });
  }
}
process.stdout.write(JSON.stringify({ accepted, rejected: files.length - accepted, outputs, errors }) + '\n');
