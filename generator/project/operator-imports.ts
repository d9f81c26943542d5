/** Adds imports of new handler modules to the user's src/operator.ts without touching anything else. */
import { loadTsMorph } from './ts-morph.ts';

/**
 * The operator module with an import added for every specifier it does not import yet. The new
 * imports go after the last existing import, so the user's code and comments keep every byte.
 */
export async function addMissingImports(text: string, specifiers: readonly string[]): Promise<string> {
  const { Project } = await loadTsMorph();
  const project = new Project({ useInMemoryFileSystem: true, skipLoadingLibFiles: true });
  const source = project.createSourceFile('/operator.ts', text);
  const present = new Set(source.getImportDeclarations().map((d) => d.getModuleSpecifierValue()));
  const missing = specifiers.filter((s) => !present.has(s));
  if (missing.length === 0) return text;
  const lines = missing.map((s) => `import '${s}';\n`).join('');
  const last = source.getImportDeclarations().at(-1);
  if (!last) return text.length > 0 && !text.endsWith('\n') ? `${text}\n${lines}` : text + lines;
  // Insert textually after the last import's line: ts-morph's own insertion would reformat around it.
  const end = last.getEnd();
  const lineEnd = text.indexOf('\n', end);
  const at = lineEnd < 0 ? text.length : lineEnd + 1;
  const prefix = lineEnd < 0 ? `${text}\n` : text.slice(0, at);
  return prefix + lines + text.slice(at);
}
