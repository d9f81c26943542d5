/**
 * The examples' generated types: what `kopf-gen crds/kopfexamples.yaml` writes to `src/generated/`,
 * kept here once for all examples (they import `../_generated/kopf.dev/kopfexample.ts`).
 *
 *   node examples/_generated/regenerate.ts          # refresh after changing the CRD or kopf-gen
 *   node examples/_generated/regenerate.ts --check  # exit 1 if out of date (a unit test runs this)
 *
 * It runs the real `kopf-gen` on the CRD into a temporary project, then copies (or compares) that
 * project's `src/generated/` tree with this directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const HERE = import.meta.dirname;
const ROOT = path.resolve(HERE, '..', '..');
const CRD = path.join(ROOT, 'crds', 'kopfexamples.yaml');
/** Files of this directory that kopf-gen does not write. */
const OWN_FILES = new Set(['regenerate.ts']);

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = path.posix.join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(dir, relative));
    else out.push(relative);
  }
  return out.sort();
}

/** Regenerates into a temporary project; returns the names of files that differ (or are missing/extra). */
export function regenerate(check: boolean): string[] {
  const temp = mkdtempSync(path.join(tmpdir(), 'kopf-examples-gen-'));
  try {
    const project = path.join(temp, 'project');
    execFileSync(process.execPath, [path.join(ROOT, 'generator', 'cli.ts'), CRD, '-o', project, '-q'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const generated = path.join(project, 'src', 'generated');
    const wanted = listFiles(generated);
    const present = listFiles(HERE).filter((file) => !OWN_FILES.has(file));
    const changed: string[] = [];
    for (const file of wanted) {
      const content = readFileSync(path.join(generated, file), 'utf8');
      let current: string | undefined;
      try {
        current = readFileSync(path.join(HERE, file), 'utf8');
      } catch {
        current = undefined;
      }
      if (current === content) continue;
      changed.push(file);
      if (!check) {
        mkdirSync(path.dirname(path.join(HERE, file)), { recursive: true });
        writeFileSync(path.join(HERE, file), content);
      }
    }
    for (const file of present.filter((f) => !wanted.includes(f))) {
      changed.push(file);
      if (!check) rmSync(path.join(HERE, file));
    }
    return changed;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const check = process.argv.includes('--check');
  const changed = regenerate(check);
  if (changed.length === 0) console.log('examples/_generated is up to date');
  else if (check) {
    console.error(
      `examples/_generated is out of date (${changed.join(', ')}): run node examples/_generated/regenerate.ts`,
    );
    process.exitCode = 1;
  } else console.log(`examples/_generated: rewrote ${changed.join(', ')}`);
}
