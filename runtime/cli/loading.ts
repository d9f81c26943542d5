/**
 * Loading the user's handler files and modules. Handler files are imported directly: Node 24 strips
 * TypeScript types natively, so `.ts` files need no build step. Loading happens before anything
 * connects to the cluster, so a broken file fails fast.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** A handler file or module that could not be loaded. */
export class LoadingError extends Error {
  readonly target: string;
  constructor(target: string, cause: unknown) {
    super(`Failed to load ${target}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
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
  if (name.startsWith('.') || path.isAbsolute(name)) return pathToFileURL(path.resolve(cwd, name)).href;
  try {
    return pathToFileURL(createRequire(path.join(cwd, 'package.json')).resolve(name)).href;
  } catch {
    return name;
  }
}
