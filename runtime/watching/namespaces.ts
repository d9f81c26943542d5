/**
 * Namespace patterns of `kopf run -n` (Kopf §10 "Namespaces"): comma-separated globs with `*` and
 * `?`, `!` for negation, spaces ignored. Evaluated left to right: an inclusive glob matches, a
 * negation un-matches, a later inclusive glob re-matches (`myapp-*, !*-pr-*, *pr-123`). A pattern
 * starting with a negation starts from "everything". Several patterns: a namespace matching any is served.
 */

/** Compile one glob (`*` any run, `?` one character) into an anchored regular expression. */
function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Whether `name` matches one pattern (a comma-separated list of globs and negated globs). */
export function matchNamespace(name: string, pattern: string): boolean {
  const globs = pattern
    .split(',')
    .map((glob) => glob.replace(/\s+/g, ''))
    .filter((glob) => glob !== '');
  let result = globs[0]?.startsWith('!') ?? false;
  for (const glob of globs) {
    if (glob.startsWith('!')) result = result && !globToRegExp(glob.slice(1)).test(name);
    else result = result || globToRegExp(glob).test(name);
  }
  return result;
}

/** Whether `name` matches any of the patterns. */
export function matchAnyNamespace(name: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => matchNamespace(name, pattern));
}

/** A pattern that is a plain namespace name (no globs, negations or lists). */
export function isLiteralNamespace(pattern: string): boolean {
  return !/[*?!,\s]/.test(pattern) && pattern !== '';
}

/** The namespaces that can be served without listing namespaces: the literal patterns only. */
export function literalNamespaces(patterns: readonly string[]): string[] {
  return [...new Set(patterns.map((p) => p.trim()).filter(isLiteralNamespace))];
}
