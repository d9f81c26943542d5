/**
 * Loads multi-document YAML files into plain values, remembering where each document starts and
 * which text it was read from.
 */
import { readFileSync } from 'node:fs';
import {
  constructFromEvents,
  EVENT_ID,
  getScalarValue,
  parseEvents,
  YAMLException,
  type DocumentEvent,
  type Event,
} from 'js-yaml';
import { describeFsError, InputError } from '../errors.ts';
import { describeError } from '../../common/errors.ts';

export interface YamlDocument {
  readonly file: string;
  /** 0-based position among the file's documents, empty ones included. */
  readonly index: number;
  /** 1-based line where the document starts. */
  readonly line: number;
  readonly value: unknown;
  /**
   * The document's text as written, from its `---` line (when it has one) up to the next document
   * marker, comments included, for copying (deploy/crds.yaml). Undefined when the text alone would not
   * read back as `value` for every reader: under a `%TAG` directive of the file, or with duplicate keys
   * (which `value` resolves as kubectl does, the last one winning, and stricter readers reject).
   */
  readonly text: string | undefined;
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
  let parsed: ParsedDocument[];
  try {
    // Parsed once into events; each document is built from its own events, so that its source text
    // can be found from their offsets.
    parsed = splitDocuments(parseEvents(text, { filename: file, maxDepth: MAX_DEPTH })).map((events) =>
      constructDocument(events, text, file),
    );
  } catch (error) {
    if (error instanceof YAMLException) {
      const line = error.mark ? error.mark.line + 1 : undefined;
      const column = error.mark ? `, column ${error.mark.column + 1}` : '';
      throw new InputError({ file, line }, `not valid YAML: ${error.reason}${column}`);
    }
    throw new InputError({ file }, `not valid YAML: ${describeError(error)}`);
  }
  const markers = documentMarkers(text);
  const starts = documentStartLines(markers, parsed.length);
  return parsed.map(({ value, events, exact }, index) => {
    const line = starts[index] ?? 1;
    // Only aliases share nodes; a document without them is as large as its text.
    const problem = events.some((event) => event.type === EVENT_ID.ALIAS) ? aliasProblem(value) : undefined;
    if (problem) throw new InputError({ file, document: index, line }, problem);
    const header = events[0] as DocumentEvent;
    const standalone = exact && !header.directives.some((directive) => directive.kind === 'tag');
    return {
      file,
      index,
      line,
      value,
      text: standalone ? documentText(text, markers, header.explicitStart, rootOffset(events)) : undefined,
      lineOf: (path: ValuePath) => lineOf(text, index, path),
    };
  });
}

interface ParsedDocument {
  readonly value: unknown;
  /** The document's events, its DOCUMENT event first. */
  readonly events: readonly Event[];
  /** Whether `value` holds every key of the text (no duplicate key was overridden). */
  readonly exact: boolean;
}

/** The event stream cut into one run of events per document. */
function splitDocuments(events: readonly Event[]): Event[][] {
  const documents: Event[][] = [];
  let depth = 0;
  let start = 0;
  events.forEach((event, i) => {
    if (event.type === EVENT_ID.POP) {
      depth--;
      if (depth === 0) documents.push(events.slice(start, i + 1));
    } else if (event.type !== EVENT_ID.SCALAR && event.type !== EVENT_ID.ALIAS) {
      if (depth === 0) start = i;
      depth++;
    }
  });
  return documents;
}

/**
 * Duplicate keys are legal for kubectl (the last one wins) and real CRDs have them, so they are let
 * through; only such documents pay for a second construction, and are marked as not exact.
 */
function constructDocument(events: Event[], source: string, filename: string): ParsedDocument {
  try {
    return { value: constructFromEvents(events, { source, filename })[0], events, exact: true };
  } catch (error) {
    if (!(error instanceof YAMLException) || error.reason !== 'duplicated mapping key') throw error;
    return { value: constructFromEvents(events, { source, filename, json: true })[0], events, exact: false };
  }
}

/** Where the document's root node starts in the text; undefined for an empty document. */
function rootOffset(events: readonly Event[]): number | undefined {
  const root = events[1];
  if (root === undefined) return undefined;
  const offset =
    root.type === EVENT_ID.SCALAR
      ? root.valueStart
      : root.type === EVENT_ID.ALIAS
        ? root.anchorStart
        : root.type === EVENT_ID.POP || root.type === EVENT_ID.DOCUMENT
          ? -1
          : root.start;
  return offset >= 0 ? offset : undefined;
}

/**
 * Document markers: `---` starts a document, `...` ends one. YAML forbids both at the start of a line
 * inside a document's content (even in block scalars and quoted strings), so the lines that begin with
 * them are exactly the boundaries between documents.
 */
const DOCUMENT_MARKER = /^\uFEFF?(---|\.\.\.)(?=[ \t\r\n]|$)/gm;

interface Marker {
  readonly offset: number;
  /** 1-based. */
  readonly line: number;
  /** `---` rather than `...`. */
  readonly start: boolean;
}

function documentMarkers(text: string): Marker[] {
  const markers: Marker[] = [];
  let line = 1;
  let counted = 0;
  for (const match of text.matchAll(DOCUMENT_MARKER)) {
    for (; counted < match.index; counted++) if (text.charCodeAt(counted) === 10) line++;
    markers.push({ offset: match.index, line, start: match[1] === '---' });
  }
  return markers;
}

/**
 * A document's text: from its own `---` line (an explicit start) or from the line after the previous
 * `...` (or the start of the file), up to the next marker line.
 */
function documentText(
  text: string,
  markers: readonly Marker[],
  explicitStart: boolean,
  root: number | undefined,
): string | undefined {
  if (root === undefined) return undefined;
  let from = 0;
  let to = text.length;
  for (const marker of markers) {
    if (marker.offset > root) {
      to = marker.offset;
      break;
    }
    if (explicitStart && marker.start) from = marker.offset;
    else if (!explicitStart && !marker.start) from = lineEnd(text, marker.offset);
  }
  return text.slice(from, to);
}

function lineEnd(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline < 0 ? text.length : newline + 1;
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
 * The line each document starts on, after its `---` line. Content before the first marker is a
 * document of its own only if the parser counted one more document than markers.
 */
function documentStartLines(markers: readonly Marker[], count: number): number[] {
  const starts = markers.filter((marker) => marker.start).map((marker) => marker.line + 1);
  return count > starts.length ? [1, ...starts] : starts;
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
