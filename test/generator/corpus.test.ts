/**
 * The bar: every CRD document of the shared corpus generates a project whose whole output (types,
 * descriptors, handler stubs) passes `tsc --strict` and whose deploy/crds.yaml (the input's text,
 * copied) reads back as the input's CRDs; a file that is not YAML fails with a located error.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadAll } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { CORPUS, FIXTURES, listTsFiles, runCli, typecheck } from './helpers.ts';

interface Entry {
  project: string;
  localFile: string;
  crdDocs: number;
}

const OUT = path.join(FIXTURES, 'corpus', 'out');
/** Files the corpus marks as unreadable YAML, with the error kopf-gen must give. */
const INVALID_YAML: Record<string, RegExp> = {
  'velero/legacy-v1beta1_design-PoC-CRDs.yaml':
    /legacy-v1beta1_design-PoC-CRDs\.yaml:414: not valid YAML: deficient indentation, column 11/,
};

function manifest(): Entry[] {
  const rows = readFileSync(path.join(CORPUS, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const header = rows.shift()!.split('\t');
  const col = (name: string) => header.indexOf(name);
  return rows.map((row) => {
    const cells = row.split('\t');
    return {
      project: cells[col('project')]!,
      localFile: cells[col('local_file')]!,
      crdDocs: Number(cells[col('crd_docs')]),
    };
  });
}

/**
 * The CRD documents of a YAML file; deploy/crds.yaml is read strictly (duplicate keys are an error, as
 * for client-node's reader), the input as kubectl reads it (the last duplicate key wins).
 */
function readCrds(file: string, options: { json?: boolean }): unknown[] {
  return loadAll(readFileSync(file, 'utf8'), { ...options, maxDepth: 2000 }).filter(
    (doc) => (doc as { kind?: unknown } | null)?.kind === 'CustomResourceDefinition',
  );
}

describe.skipIf(!existsSync(CORPUS))('the CRD corpus', () => {
  afterAll(() => {
    if (process.env.KOPF_GEN_KEEP_OUTPUT !== '1') rmSync(path.dirname(OUT), { recursive: true, force: true });
  });

  it(
    'generates a project for every file and all of it passes tsc --strict',
    { timeout: 300_000 },
    async () => {
      rmSync(OUT, { recursive: true, force: true });
      const entries = manifest();
      let crds = 0;
      let versions = 0;
      let generatedFiles = 0;
      const projects: string[] = [];
      for (const [i, entry] of entries.entries()) {
        const input = path.join(CORPUS, entry.localFile);
        // One project per file: some files define the same CRD (standard and experimental gateway-api).
        const out = path.join(
          OUT,
          `${String(i).padStart(2, '0')}-${path.basename(entry.localFile, '.yaml')}`,
        );
        const run = await runCli([input, '-o', out, '--quiet', '--kopf-ts', 'file:../../../../../..']);
        const invalid = INVALID_YAML[entry.localFile];
        if (invalid) {
          expect(run.code, entry.localFile).toBe(1);
          expect(run.stderr).toMatch(invalid);
          expect(run.stderr).toMatch(/nothing was written/);
          expect(existsSync(out)).toBe(false);
          continue;
        }
        expect(run.code, `${entry.localFile}: ${run.stderr}`).toBe(0);
        const summary = /(\d+) CRDs, (\d+) versions; (\d+) files written/.exec(run.stdout);
        expect(summary, run.stdout).not.toBeNull();
        expect(Number(summary![1]), entry.localFile).toBe(entry.crdDocs);
        expect(readCrds(path.join(out, 'deploy', 'crds.yaml'), {}), entry.localFile).toEqual(
          readCrds(input, { json: true }),
        );
        crds += Number(summary![1]);
        versions += Number(summary![2]);
        generatedFiles += Number(summary![3]);
        projects.push(out);
      }
      const files = projects.flatMap((p) => listTsFiles(path.join(p, 'src')));
      const started = performance.now();
      const errors = typecheck(files);
      const tscMs = Math.round(performance.now() - started);
      console.log(
        `corpus: ${entries.length} files, ${projects.length} generated, ${crds} CRDs, ${versions} versions, ` +
          `${generatedFiles} files written, ${files.length} TypeScript files type-checked in ${tscMs} ms, ${errors.length} tsc errors`,
      );
      expect(errors.slice(0, 20)).toEqual([]);
      expect(crds).toBe(entries.filter((e) => !INVALID_YAML[e.localFile]).reduce((n, e) => n + e.crdDocs, 0));
    },
  );
});
