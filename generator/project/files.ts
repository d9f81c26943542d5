/**
 * Applies a planned project to disk: only files whose bytes change are written (mtimes of the others
 * stay), everything is first staged in a temporary directory, and nothing is touched when a step fails.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

export interface PlannedChanges {
  /** Project-relative path → full new content; only files that differ from disk. */
  readonly writes: ReadonlyMap<string, string>;
  /** Project-relative paths of generated files that no longer have a source. */
  readonly deletions: readonly string[];
}

export function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Keeps only the files whose content differs from what `root` already holds. */
export function diffAgainstDisk(
  root: string,
  desired: ReadonlyMap<string, string>,
  deletions: readonly string[],
): PlannedChanges {
  const writes = new Map<string, string>();
  for (const [file, content] of desired) {
    if (readIfExists(path.join(root, file)) !== content) writes.set(file, content);
  }
  return { writes, deletions: deletions.filter((file) => existsSync(path.join(root, file))) };
}

/** Every file under `root/dir`, as project-relative POSIX paths. */
export function listFiles(root: string, dir: string): string[] {
  const start = path.join(root, dir);
  if (!existsSync(start)) return [];
  const out: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = path.posix.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Writes the changes. New content is staged next to the target (same file system, so the final
 * renames are atomic per file) and moved into place only after all of it was written.
 */
export function applyChanges(root: string, changes: PlannedChanges): void {
  if (changes.writes.size === 0 && changes.deletions.length === 0) return;
  const rootExists = existsSync(root);
  const stagingParent = rootExists ? root : path.dirname(path.resolve(root));
  mkdirSync(stagingParent, { recursive: true });
  const staging = mkdtempSync(path.join(stagingParent, '.kopf-gen-'));
  try {
    for (const [file, content] of changes.writes) {
      const target = path.join(staging, file);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
    if (!rootExists) {
      // A new project appears all at once.
      renameSync(staging, root);
      return;
    }
    for (const file of changes.writes.keys()) {
      const target = path.join(root, file);
      mkdirSync(path.dirname(target), { recursive: true });
      renameSync(path.join(staging, file), target);
    }
    for (const file of changes.deletions) {
      rmSync(path.join(root, file), { force: true });
      removeEmptyParents(root, path.dirname(file));
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function removeEmptyParents(root: string, dir: string): void {
  let current = dir;
  while (current && current !== '.' && current !== '/') {
    const full = path.join(root, current);
    try {
      if (readdirSync(full).length > 0) return;
      rmdirSync(full);
    } catch {
      return;
    }
    current = path.dirname(current);
  }
}
