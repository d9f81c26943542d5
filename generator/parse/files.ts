/** Finds the YAML files to read: given files as they are, directories searched recursively. */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describeFsError, InputError } from '../errors.ts';

const YAML_EXTENSIONS = new Set(['.yaml', '.yml']);

/** All YAML files under the given paths, in a stable order (each argument's files sorted by path). */
export function findYamlFiles(inputs: readonly string[]): string[] {
  const found: string[] = [];
  for (const input of inputs) {
    let stats;
    try {
      stats = statSync(input);
    } catch (error) {
      throw new InputError({ file: input }, `cannot read: ${describeFsError(error)}`);
    }
    if (stats.isDirectory()) found.push(...walk(input));
    else found.push(input);
  }
  return [...new Set(found)];
}

/** Whether a directory entry is read as a CRD source. */
export function isYamlFile(name: string): boolean {
  return YAML_EXTENSIONS.has(path.extname(name).toLowerCase());
}

function walk(directory: string): string[] {
  let entries;
  try {
    entries = readdirSync(directory, { withFileTypes: true });
  } catch (error) {
    throw new InputError({ file: directory }, `cannot read directory: ${describeFsError(error)}`);
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      // Hidden directories (.git) and dependencies are never CRD sources.
      if (!entry.name.startsWith('.') && entry.name !== 'node_modules') files.push(...walk(full));
    } else if (isYamlFile(entry.name)) {
      files.push(full);
    }
  }
  return files;
}
