/** Errors and warnings that name where in the input they come from. */
import { describeError } from '../common/errors.ts';

/** Where a problem is: a file, and optionally a document of it (0-based index) and a 1-based line. */
export interface SourceLocation {
  readonly file: string;
  readonly document?: number;
  readonly line?: number;
}

export function formatLocation(location: SourceLocation): string {
  let text = location.file;
  if (location.line !== undefined) text += `:${location.line}`;
  if (location.document !== undefined) text += ` (document ${location.document + 1})`;
  return text;
}

/** Bad input: the run stops, nothing is written, and the message names the file and the cause. */
export class InputError extends Error {
  readonly location: SourceLocation;

  constructor(location: SourceLocation, cause: string) {
    // One line, always: the cause may quote the input, and input may hold line breaks.
    super(`${formatLocation(location)}: ${oneLine(cause)}`);
    this.name = 'InputError';
    this.location = location;
  }
}

/**
 * The project directory cannot take the output (a file where a directory must be, no permission, a
 * full disk): the run stops, and whatever was already moved into place is moved back.
 */
export class OutputError extends Error {
  readonly file: string;
  /** Some files could not be moved back: the project is half-updated, and the message says so. */
  readonly partial: boolean;

  constructor(file: string, cause: string, options: { partial?: boolean } = {}) {
    super(`${file}: ${oneLine(cause)}`);
    this.name = 'OutputError';
    this.file = file;
    this.partial = options.partial ?? false;
  }
}

function oneLine(text: string): string {
  return text.replace(/\r?\n|\r/g, '\\n');
}

/** Something the user should know about, but which does not stop the run. */
export interface Warning {
  readonly location: SourceLocation;
  readonly message: string;
}

export function formatWarning(warning: Warning): string {
  return `${formatLocation(warning.location)}: ${warning.message}`;
}

/** A file-system error as a short phrase, for one-line messages. */
export function describeFsError(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = String((error as { code: unknown }).code);
    const known: Record<string, string> = {
      ENOENT: 'no such file or directory',
      EACCES: 'permission denied',
      EISDIR: 'is a directory',
      ENOTDIR: 'not a directory',
      EEXIST: 'already exists',
      EPERM: 'operation not permitted',
      EROFS: 'read-only file system',
      ENOSPC: 'no space left on device',
      EBUSY: 'busy',
    };
    return known[code] ?? code;
  }
  return describeError(error);
}
