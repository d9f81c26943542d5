/** Identifier helpers: how schema paths, kinds and plurals become TypeScript names. */

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'as implements interface let package private protected public static yield any boolean constructor declare get ' +
    'module require number set string symbol type from of unknown never object undefined await async keyof readonly'
  ).split(' '),
);

export function isReservedWord(name: string): boolean {
  return RESERVED.has(name);
}

export function isIdentifier(name: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name);
}

/** `hugepages-1Gi` → `Hugepages1Gi`, `-Xmx` → `Xmx`, `fooBar` → `FooBar`: one name segment per path step. */
export function pascalCase(text: string): string {
  // One pass over the characters (the type modeller calls this for every schema property): ASCII
  // letters and digits are kept, anything else ends a word, and each word starts upper-case.
  let out = '';
  let wordStart = true;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const lower = code >= 97 && code <= 122;
    if (lower || (code >= 65 && code <= 90) || (code >= 48 && code <= 57)) {
      out += wordStart && lower ? String.fromCharCode(code - 32) : text[i];
      wordStart = false;
    } else {
      wordStart = true;
    }
  }
  return out;
}

/** `KopfExample` → `kopfExample`, `CSIDriver` → `csiDriver`, `URL` → `url`. */
export function camelCase(name: string): string {
  const leadingCaps = /^[A-Z]+/.exec(name)?.[0] ?? '';
  if (leadingCaps.length <= 1) return name.charAt(0).toLowerCase() + name.slice(1);
  // Keep the last capital of a run when it starts the next word: `CSIDriver` → `csi` + `Driver`.
  const cut = leadingCaps.length === name.length ? name.length : leadingCaps.length - 1;
  return name.slice(0, cut).toLowerCase() + name.slice(cut);
}

/**
 * The descriptor's variable name: the kind's casing applied to the plural (`KopfExample` +
 * `kopfexamples` → `kopfExamples`, `Policy` + `policies` → `policies`).
 */
export function descriptorName(kind: string, plural: string): string {
  const lowerKind = kind.toLowerCase();
  let common = 0;
  while (common < plural.length && common < lowerKind.length && plural[common] === lowerKind[common])
    common++;
  // Lower-case the kind part on its own, so `JVM` + `jvms` gives `jvms` and `CSIDriver` gives `csiDrivers`.
  let name =
    common > 0 ? camelCase(kind.slice(0, common)) + plural.slice(common) : camelCase(pascalCase(plural));
  if (!isIdentifier(name)) name = `resource${pascalCase(name)}`;
  return isReservedWord(name) ? `${name}Resource` : name;
}

/** A property key as written in an interface: bare when it is a plain identifier, quoted otherwise. */
export function propertyKey(name: string): string {
  return isIdentifier(name) && !isReservedWord(name) ? name : quote(name);
}

/** A single-quoted TypeScript string literal. */
export function quote(text: string): string {
  return `'${text
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')}'`;
}

/** File name for a kind: lower-case, as kubectl prints it. */
export function moduleName(kind: string): string {
  return kind.toLowerCase();
}
