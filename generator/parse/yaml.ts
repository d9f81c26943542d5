/** Loads multi-document YAML files into plain values, remembering where each document starts. */
import { readFileSync } from 'node:fs';
import { EVENT_ID, getScalarValue, loadAll, parseEvents, YAMLException, type Event } from 'js-yaml';
import { describeFsError, InputError } from '../errors.ts';
import { describeError } from '../../common/errors.ts';

export interface YamlDocument {
  readonly file: string;
  /** 0-based position among the file's documents, empty ones included. */
  readonly index: number;
  /** 1-based line where the document starts. */
  readonly line: number;
  readonly value: unknown;
  /** The 1-based line of the value at `path` (keys and list indexes), for messages about it. */
  readonly lineOf: (path: readonly (string | number)[]) => number | undefined;
}

/** A step into a document: a mapping key or a list index. */
export type ValuePath = readonly (string | number)[];

export function readYamlFile(file: string): YamlDocument[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError({ file }, `cannot read: ${describeFsError(error)}`);
  }
  return parseYamlDocuments(file, text);
}

/**
 * Deep enough for real CRDs (Crossplane and Kubeflow schemas nest well past the parser's default of
 * 100 collections: every schema level is two, `properties` and the property), yet a bound.
 */
const MAX_DEPTH = 2000;

/**
 * Aliases make a document a graph: shared nodes, expanded again by everything that walks the value
 * (modelling, deploy/crds.yaml). Nine levels of nine aliases expand to 387 million nodes and exhaust the
 * heap, so a document may expand to at most this many nodes. The largest CRD of the corpus has
 * ~35 thousand nodes, and documents without aliases never expand.
 */
export const MAX_EXPANDED_NODES = 1_000_000;

export function parseYamlDocuments(file: string, text: string): YamlDocument[] {
  let values: unknown[];
  try {
    // `json: true` lets duplicate keys through (last wins), as kubectl does; real CRDs have them.
    values = loadAll(text, { json: true, filename: file, maxDepth: MAX_DEPTH });
  } catch (error) {
    if (error instanceof YAMLException) {
      const line = error.mark ? error.mark.line + 1 : undefined;
      const column = error.mark ? `, column ${error.mark.column + 1}` : '';
      throw new InputError({ file, line }, `not valid YAML: ${error.reason}${column}`);
    }
    throw new InputError({ file }, `not valid YAML: ${describeError(error)}`);
  }
  const starts = documentStartLines(text, values.length);
  return values.map((value, index) => {
    const line = starts[index] ?? 1;
    const problem = aliasProblem(value);
    if (problem) throw new InputError({ file, document: index, line }, problem);
    return { file, index, line, value, lineOf: (path: ValuePath) => lineOf(text, index, path) };
  });
}

/**
 * Why a document's aliases make it unusable, if they do: an alias inside its own anchor (a cycle, which
 * no JSON value can hold), or an expansion past MAX_EXPANDED_NODES. Counts each shared node once
 * (memoised by identity), so the check itself is linear in the document's text.
 */
function aliasProblem(document: unknown): string | undefined {
  const sizes = new Map<object, number>();
  const open = new Set<object>();
  const expandedSize = (node: unknown): number => {
    if (typeof node !== 'object' || node === null) return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    if (open.has(node)) throw new CyclicAlias();
    open.add(node);
    let size = 1;
    for (const child of Object.values(node)) {
      size += expandedSize(child);
      // Stop counting early: the sum is only compared with the cap.
      if (size > MAX_EXPANDED_NODES) break;
    }
    open.delete(node);
    sizes.set(node, size);
    return size;
  };
  try {
    const size = expandedSize(document);
    if (size > MAX_EXPANDED_NODES)
      return `its aliases expand to more than ${MAX_EXPANDED_NODES.toLocaleString('en')} nodes (a YAML alias bomb?); refusing to read it`;
  } catch (error) {
    if (error instanceof CyclicAlias)
      return 'an alias refers to a node that contains it (a cycle); refusing to read it';
    throw error;
  }
  return undefined;
}

class CyclicAlias extends Error {}

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

/**
 * Finds the line of a value by replaying the parser's events (which carry source offsets) up to it.
 * Only messages need it, so it runs only when something is wrong. A mapping value is placed at its
 * key's line; a list item at its own.
 */
function lineOf(text: string, document: number, target: ValuePath): number | undefined {
  let events: Event[];
  try {
    events = parseEvents(text, { maxDepth: MAX_DEPTH });
  } catch {
    return undefined;
  }
  interface Frame {
    readonly path: (string | number)[] | undefined;
    readonly mapping: boolean;
    /** Mappings: whether the next node is a key; lists: the next item's index. */
    keyNext: boolean;
    next: number;
    key?: string;
    keyOffset: number;
  }
  const stack: Frame[] = [];
  let documents = -1;
  const matches = (path: (string | number)[] | undefined) =>
    path !== undefined && path.length === target.length && path.every((step, i) => step === target[i]);
  for (const event of events) {
    if (event.type === EVENT_ID.DOCUMENT) {
      documents++;
      continue;
    }
    if (documents !== document) {
      if (documents > document) return undefined;
      continue;
    }
    if (event.type === EVENT_ID.POP) {
      stack.pop();
      continue;
    }
    const offset =
      event.type === EVENT_ID.SCALAR
        ? event.valueStart
        : event.type === EVENT_ID.ALIAS
          ? event.anchorStart
          : event.start;
    const parent = stack.at(-1);
    let path: (string | number)[] | undefined;
    let at = offset;
    if (!parent) {
      path = [];
    } else if (parent.mapping && parent.keyNext) {
      // A key: remember it for the value that follows; collections as keys are never CRD content.
      parent.keyNext = false;
      parent.key = event.type === EVENT_ID.SCALAR ? getScalarValue(text, event) : undefined;
      parent.keyOffset = offset;
      if (event.type === EVENT_ID.SEQUENCE || event.type === EVENT_ID.MAPPING)
        stack.push({
          path: undefined,
          mapping: event.type === EVENT_ID.MAPPING,
          keyNext: true,
          next: 0,
          keyOffset: 0,
        });
      continue;
    } else if (parent.mapping) {
      parent.keyNext = true;
      path = parent.path && parent.key !== undefined ? [...parent.path, parent.key] : undefined;
      at = parent.keyOffset;
    } else {
      path = parent.path ? [...parent.path, parent.next] : undefined;
      parent.next++;
    }
    if (matches(path)) return lineAt(text, at);
    if (event.type === EVENT_ID.SEQUENCE || event.type === EVENT_ID.MAPPING)
      stack.push({ path, mapping: event.type === EVENT_ID.MAPPING, keyNext: true, next: 0, keyOffset: 0 });
  }
  return undefined;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
