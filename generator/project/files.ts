/**
 * Applies a planned project to disk: only files whose bytes change are written (mtimes of the others
 * stay), everything is first staged in a temporary directory, every target is checked before anything
 * moves, and the moves are all-or-nothing: replaced files are moved aside and moved back on failure.
 */
import {
  accessSync,
  constants,
  existsSync,
  lstatSync,
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
import { describeFsError, OutputError } from '../errors.ts';

/** A file's content: text, or bytes (the vendored kopf-ts tarball). */
export type FileContent = string | Uint8Array;

export interface PlannedChanges {
  /** Project-relative path → full new content; only files that differ from disk. */
  readonly writes: ReadonlyMap<string, FileContent>;
  /** Project-relative paths of generated files that no longer have a source. */
  readonly deletions: readonly string[];
}

/**
 * The file's text, or undefined if there is no such file. Any other failure (a directory where the
 * file should be, no permission) is an error: taking an unreadable user file for a missing one would
 * write a fresh stub over it.
 */
export function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // ENOTDIR: a parent is a file; checkWritable names it if anything is to be written there.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new OutputError(file, `cannot read: ${describeFsError(error)}`);
  }
}

/** Keeps only the files whose content differs from what `root` already holds. */
export function diffAgainstDisk(
  root: string,
  desired: ReadonlyMap<string, FileContent>,
  deletions: readonly string[],
): PlannedChanges {
  const writes = new Map<string, FileContent>();
  for (const [file, content] of desired) {
    if (!sameAsDisk(path.join(root, file), content)) writes.set(file, content);
  }
  return { writes, deletions: deletions.filter((file) => existsSync(path.join(root, file))) };
}

function sameAsDisk(file: string, content: FileContent): boolean {
  if (typeof content === 'string') return readIfExists(file) === content;
  try {
    return Buffer.compare(readFileSync(file), content) === 0;
  } catch {
    return false;
  }
}

/** Every file under `root/dir`, as project-relative POSIX paths. */
export function listFiles(root: string, dir: string): string[] {
  const start = path.join(root, dir);
  if (!existsSync(start)) return [];
  const out: string[] = [];
  const walk = (relative: string) => {
    let entries;
    try {
      entries = readdirSync(path.join(root, relative), { withFileTypes: true });
    } catch (error) {
      throw new OutputError(path.join(root, relative), `cannot read: ${describeFsError(error)}`);
    }
    for (const entry of entries) {
      const child = path.posix.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Fails with an OutputError naming the path when the project cannot take the changes: the root or a
 * parent of a target is not a directory, a target is a directory, or a directory or file that must
 * change is not writable (read-only, immutable). Runs before anything is written.
 */
export function checkWritable(root: string, changes: PlannedChanges): void {
  const checked = new Set<string>();
  const writable = (target: string) => {
    if (checked.has(target)) return;
    checked.add(target);
    try {
      accessSync(target, constants.W_OK);
    } catch (error) {
      throw new OutputError(target, `cannot write: ${describeFsError(error)}`);
    }
  };
  const kind = (target: string): 'directory' | 'file' | undefined => {
    try {
      return lstatSync(target).isDirectory() ? 'directory' : 'file';
    } catch {
      return undefined;
    }
  };
  // The nearest existing ancestor of a missing root is where the new project directory appears.
  let existing = path.resolve(root);
  while (kind(existing) === undefined && path.dirname(existing) !== existing)
    existing = path.dirname(existing);
  if (kind(existing) !== 'directory')
    throw new OutputError(existing, 'is a file, but the project must be a directory here');
  writable(existing);
  if (existing !== path.resolve(root)) return;
  for (const file of [...changes.writes.keys(), ...changes.deletions]) {
    let dir = root;
    for (const part of path.posix
      .dirname(file)
      .split('/')
      .filter((p) => p !== '.')) {
      const next = path.join(dir, part);
      const found = kind(next);
      if (found === 'file') throw new OutputError(next, 'is a file, but kopf-gen needs a directory here');
      if (found === undefined) break;
      dir = next;
    }
    writable(dir);
    const target = path.join(root, file);
    const found = kind(target);
    if (found === 'directory')
      throw new OutputError(target, 'is a directory, but kopf-gen writes a file here');
    if (found === 'file') writable(target);
  }
}

/**
 * Writes the changes. New content is staged next to the target (same file system, so renames are
 * atomic per file); after every target was checked, files move into place one by one, each replaced or
 * deleted file moved aside first. If a move fails, everything moved so far is moved back.
 */
export function applyChanges(root: string, changes: PlannedChanges): void {
  if (changes.writes.size === 0 && changes.deletions.length === 0) return;
  checkWritable(root, changes);
  const rootExists = existsSync(root);
  const stagingParent = rootExists ? root : path.dirname(path.resolve(root));
  const staging = attempt(stagingParent, () => {
    mkdirSync(stagingParent, { recursive: true });
    return mkdtempSync(path.join(stagingParent, '.kopf-gen-'));
  });
  try {
    const fresh = path.join(staging, 'new');
    // The staging directory is new and ours: each directory in it is made once, parents first (a
    // recursive mkdir per file tries the deepest first and fails its way up: a third of the syscalls).
    const made = new Set<string>([staging]);
    const makeDirectory = (dir: string): void => {
      if (made.has(dir)) return;
      makeDirectory(path.dirname(dir));
      mkdirSync(dir);
      made.add(dir);
    };
    for (const [file, content] of changes.writes) {
      const target = path.join(fresh, file);
      attempt(path.join(root, file), () => {
        makeDirectory(path.dirname(target));
        writeFileSync(target, content);
      });
    }
    // A new project appears all at once.
    if (!rootExists) attempt(root, () => renameSync(fresh, root));
    else moveIntoPlace(root, changes, fresh, path.join(staging, 'old'));
  } finally {
    removeStaging(staging);
  }
}

/** The staging directory is empty after a new project moved into place: one rmdir, not a recursive walk. */
function removeStaging(staging: string): void {
  try {
    rmdirSync(staging);
  } catch {
    rmSync(staging, { recursive: true, force: true });
  }
}

function moveIntoPlace(root: string, changes: PlannedChanges, fresh: string, aside: string): void {
  /** Undo steps of what was done so far, run in reverse order on failure. */
  const undo: Array<() => void> = [];
  const moveAside = (file: string) => {
    const target = path.join(root, file);
    if (!existsSync(target)) return;
    const kept = path.join(aside, file);
    mkdirSync(path.dirname(kept), { recursive: true });
    renameSync(target, kept);
    undo.push(() => renameSync(kept, target));
  };
  let current = root;
  try {
    for (const file of changes.writes.keys()) {
      current = path.join(root, file);
      makeDirectories(root, path.dirname(file), undo);
      moveAside(file);
      const placed = current;
      renameSync(path.join(fresh, file), placed);
      undo.push(() => rmSync(placed, { force: true }));
    }
    for (const file of changes.deletions) {
      current = path.join(root, file);
      moveAside(file);
    }
  } catch (error) {
    const cause = describeFsError(error);
    const stuck: string[] = [];
    for (const step of undo.reverse()) {
      try {
        step();
      } catch (undoError) {
        stuck.push(describeFsError(undoError));
      }
    }
    if (stuck.length === 0)
      throw new OutputError(current, `cannot write: ${cause}; every file moved so far was moved back`);
    throw new OutputError(
      current,
      `cannot write: ${cause}; moving files back failed too (${stuck.join(', ')}): check the project`,
      { partial: true },
    );
  }
  for (const file of changes.deletions) removeEmptyParents(root, path.dirname(file));
}

/** Creates the missing directories of `dir` under `root`, each with an undo step. */
function makeDirectories(root: string, dir: string, undo: Array<() => void>): void {
  let current = root;
  for (const part of dir.split('/').filter((p) => p !== '.' && p !== '')) {
    current = path.join(current, part);
    if (existsSync(current)) continue;
    mkdirSync(current);
    const created = current;
    undo.push(() => rmdirSync(created));
  }
}

/** Runs a file-system step; its failure becomes an OutputError naming `target`. */
function attempt<T>(target: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw new OutputError(target, `cannot write: ${describeFsError(error)}`);
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
