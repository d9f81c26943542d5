/** Errors and warnings that name where in the input they come from. */

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
    super(`${formatLocation(location)}: ${cause}`);
    this.name = 'InputError';
    this.location = location;
  }
}

/** Something the user should know about, but which does not stop the run. */
export interface Warning {
  readonly location: SourceLocation;
  readonly message: string;
}

export function formatWarning(warning: Warning): string {
  return `${formatLocation(warning.location)}: ${warning.message}`;
}
