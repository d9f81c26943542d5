/**
 * Loading the user's handler files and modules. Handler files are imported directly: Node 24 strips
 * TypeScript types natively, so `.ts` files need no build step. Loading happens before anything
 * connects to the cluster, so a broken file fails fast.
 */
import { describeError } from '../structs/errors.ts';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** A handler file or module that could not be loaded. */
export class LoadingError extends Error {
  readonly target: string;
  constructor(target: string, cause: unknown) {
    super(`Failed to load ${target}: ${describeError(cause)}`, { cause });
    this.name = 'LoadingError';
    this.target = target;
  }
}

/** Import the files (relative to `cwd`), then the modules, in order; throws {@link LoadingError}. */
export async function loadHandlers(
  files: readonly string[],
  modules: readonly string[],
  cwd = process.cwd(),
): Promise<void> {
  for (const file of files) {
    const absolute = path.resolve(cwd, file);
    if (!existsSync(absolute)) throw new LoadingError(file, `no such file: ${absolute}`);
    try {
      await import(pathToFileURL(absolute).href);
    } catch (error) {
      throw new LoadingError(file, error);
    }
  }
  for (const name of modules) {
    try {
      await import(resolveModule(name, cwd));
    } catch (error) {
      throw new LoadingError(`module ${name}`, error);
    }
  }
}

/** Resolve a module name from the user's directory (their node_modules), falling back to ours. */
function resolveModule(name: string, cwd: string): string {
  if (isBuiltin(name)) return name;
  if (name.startsWith('.') || path.isAbsolute(name)) return pathToFileURL(path.resolve(cwd, name)).href;
  try {
    return pathToFileURL(createRequire(path.join(cwd, 'package.json')).resolve(name)).href;
  } catch {
    // ESM-only packages (exports without a `require` condition) are invisible to require.resolve.
    return findEsmEntry(name, cwd) ?? name;
  }
}

/** The `import` entry of a package found in a node_modules directory at or above `cwd`. */
function findEsmEntry(name: string, cwd: string): string | undefined {
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown; main?: string };
      const entry = exportedEntry(pkg.exports) ?? pkg.main ?? 'index.js';
      return pathToFileURL(path.join(path.dirname(manifest), entry)).href;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

function exportedEntry(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (!exports || typeof exports !== 'object') return undefined;
  const map = exports as Record<string, unknown>;
  const root = '.' in map ? map['.'] : map;
  if (typeof root === 'string') return root;
  if (!root || typeof root !== 'object') return undefined;
  for (const condition of ['import', 'node', 'default']) {
    const target = exportedEntry((root as Record<string, unknown>)[condition]);
    if (target) return target;
  }
  return undefined;
}
