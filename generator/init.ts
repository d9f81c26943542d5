/**
 * `kopf-gen init [DIR]`: a new operator project for someone who has no CRD yet. It starts from Kopf's
 * example CRD (KopfExample, kopf.dev/v1 — the one Kopf's documentation and examples use), copied into
 * DIR/crds/ as the user's to change, and generated like `kopf-gen crds/` inside DIR would.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from './errors.ts';
import { generate, type GenerateOptions, type GenerateResult } from './generate.ts';
import { ownPackage } from '../common/package.ts';
import { SETTINGS_FILE } from './project/settings.ts';
import { readIfExists } from './project/files.ts';

/** Where the project keeps its CRDs; `kopf-gen crds/` inside the project regenerates from them. */
export const INIT_CRD_PATH = 'crds/kopfexamples.yaml';

export async function init(options: Omit<GenerateOptions, 'inputs' | 'seed'>): Promise<GenerateResult> {
  const root = options.outDir;
  if (readIfExists(path.join(root, SETTINGS_FILE)) !== undefined) {
    throw new InputError(
      { file: path.join(root, SETTINGS_FILE) },
      'this is a kopf-gen project already; regenerate it with `kopf-gen crds/` inside it',
    );
  }
  const existing = yamlFiles(path.join(root, 'crds'));
  if (existing.length > 0) {
    throw new InputError(
      { file: path.join(root, 'crds') },
      `has CRDs already (${existing.join(', ')}); generate from them with \`kopf-gen crds/ -o ${root}\``,
    );
  }
  // Kopf's example CRD ships with kopf-ts (it is also the demo's); the project gets a copy of its own.
  const example = path.join(ownPackage().root, INIT_CRD_PATH);
  return generate({
    ...options,
    inputs: [example],
    seed: new Map([[INIT_CRD_PATH, readFileSync(example, 'utf8')]]),
  });
}

function yamlFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((file) => /\.ya?ml$/.test(file));
  } catch {
    return [];
  }
}
