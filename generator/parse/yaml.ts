/** Loads multi-document YAML files into plain values, remembering where each document starts. */
import { readFileSync } from 'node:fs';
import { loadAll, YAMLException } from 'js-yaml';
import { InputError } from '../errors.ts';
import { describeFsError } from './files.ts';

export interface YamlDocument {
  readonly file: string;
  /** 0-based position among the file's documents, empty ones included. */
  readonly index: number;
  /** 1-based line where the document starts. */
  readonly line: number;
  readonly value: unknown;
}

export function readYamlFile(file: string): YamlDocument[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError({ file }, `cannot read: ${describeFsError(error)}`);
  }
  return parseYamlDocuments(file, text);
}

export function parseYamlDocuments(file: string, text: string): YamlDocument[] {
  let values: unknown[];
  try {
    // `json: true` lets duplicate keys through (last wins), as kubectl does; real CRDs have them.
    values = loadAll(text, { json: true, filename: file });
  } catch (error) {
    if (error instanceof YAMLException) {
      const line = error.mark ? error.mark.line + 1 : undefined;
      const column = error.mark ? `, column ${error.mark.column + 1}` : '';
      throw new InputError({ file, line }, `not valid YAML: ${error.reason}${column}`);
    }
    throw new InputError(
      { file },
      `not valid YAML: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const starts = documentStartLines(text, values.length);
  return values.map((value, index) => ({ file, index, line: starts[index] ?? 1, value }));
}

/**
 * The parser does not report document positions, so find the `---` markers ourselves. Content before
 * the first marker is a document of its own only if the parser counted one more document than markers.
 */
function documentStartLines(text: string, count: number): number[] {
  const markers: number[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (/^---(\s|$)/.test(lines[i] ?? '')) markers.push(i + 1);
  }
  const starts = markers.map((line) => line + 1);
  return count > markers.length ? [1, ...starts] : starts;
}
