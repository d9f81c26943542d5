/**
 * Walks one version's openAPIV3Schema into named declarations. Names come from the kind and the
 * property path (`KopfExampleSpecFooBar`); structurally identical declarations share one name, the
 * first one met in document order, so output is stable from run to run.
 */
import { createHash } from 'node:crypto';
import type { SourceLocation, Warning } from '../errors.ts';
import { isRecord, type JsonSchema } from '../parse/crd.ts';
import { camelCase, pascalCase } from './names.ts';
import {
  EMPTY_RECORD,
  keyword,
  OBJECT_META,
  ref,
  union,
  UNKNOWN_RECORD,
  type Declaration,
  type Literal,
  type Member,
  type TypeExpr,
} from './types.ts';

export interface SchemaModelInput {
  readonly kind: string;
  readonly apiVersion: string;
  /** Absent for legacy CRDs without a schema. */
  readonly schema?: JsonSchema;
  /** The API server keeps undeclared fields everywhere (legacy `preserveUnknownFields`). */
  readonly openObjects: boolean;
  readonly location: SourceLocation;
  /** Prefix of warnings, e.g. `kopfexamples.kopf.dev v1`. */
  readonly label: string;
}

export interface SchemaModel {
  /** In document order: the kind first, then spec and its parts, then status. */
  readonly declarations: readonly Declaration[];
  readonly specName: string;
  readonly statusName: string;
  readonly warnings: readonly Warning[];
}

interface Registered {
  readonly order: readonly number[];
  readonly declaration: Declaration;
}

/** Schema keys that make a node (or a combinator branch) say what type a value has, not only constrain it. */
const TYPE_KEYS = [
  'type',
  'properties',
  'items',
  'additionalProperties',
  'enum',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
];

/**
 * Where a schema node is: `order` places the declarations it creates in the output (document order),
 * `path` names them (kind, then property keys; `name` is {@link typeName} of it, built a step at a
 * time), `where` is its JSON path for warnings.
 */
interface Site {
  readonly order: readonly number[];
  readonly path: readonly string[];
  readonly name: string;
  readonly where: string;
}

/** The site of property `key`, the `index`-th child of `site`. */
function propertySite(site: Site, key: string, index: number): Site {
  return {
    order: [...site.order, index],
    path: [...site.path, key],
    name: site.name + nameStep(key),
    where: `${site.where}.${key}`,
  };
}

class SchemaWalker {
  private readonly byName = new Map<string, Registered>();
  /**
   * The first name of each shape. A shape is the declaration without its names; keyed by its
   * structure without the doc comments (which would make each key kilobytes long, a third of the
   * modelling time in stringifying and hashing), the docs compared only among equal structures.
   */
  private readonly byShape = new Map<
    string,
    Array<{ readonly declaration: Declaration; readonly name: string }>
  >();
  private readonly reserved: Set<string>;
  readonly warnings: Warning[] = [];
  private readonly input: SchemaModelInput;

  constructor(input: SchemaModelInput) {
    this.input = input;
    this.reserved = new Set([input.kind, `${input.kind}Spec`, `${input.kind}Status`]);
  }

  build(): SchemaModel {
    const { kind, schema } = this.input;
    const specName = `${kind}Spec`;
    const statusName = `${kind}Status`;
    const root = schema ?? {};
    const properties = isRecord(root.properties) ? root.properties : {};
    const required = requiredSet(root);
    const rootOpen =
      !schema || this.input.openObjects || root['x-kubernetes-preserve-unknown-fields'] === true;
    const rootSite: Site = { order: [], path: [kind], name: kind, where: '' };

    const members: Member[] = [
      { name: 'apiVersion', optional: false, type: { kind: 'literal', value: this.input.apiVersion } },
      { name: 'kind', optional: false, type: { kind: 'literal', value: kind } },
      {
        name: 'metadata',
        optional: !required.has('metadata'),
        type: OBJECT_META,
        doc: docOf(asSchema(properties.metadata)),
      },
    ];
    const named: ReadonlyArray<readonly [string, string]> = [
      ['spec', specName],
      ['status', statusName],
    ];
    for (const [i, [property, name]] of named.entries()) {
      const propertySchema = asSchema(properties[property]);
      const site = propertySite(rootSite, property, i + 1);
      if (propertySchema) {
        this.named(propertySchema, name, site);
      } else {
        // An undeclared spec/status is pruned unless the root keeps unknown fields; Kopf then sees `{}`.
        this.add(site.order, {
          kind: 'alias',
          name,
          doc: rootOpen
            ? `The schema does not declare \`${property}\`; the root keeps unknown fields.`
            : `The schema declares no \`${property}\`.`,
          type: rootOpen ? UNKNOWN_RECORD : EMPTY_RECORD,
        });
      }
      if (propertySchema || rootOpen) {
        const type = propertySchema?.nullable === true ? union([ref(name), keyword('null')]) : ref(name);
        members.push({ name: property, optional: !required.has(property), type, doc: docOf(propertySchema) });
      }
    }
    const others = Object.entries(properties).filter(
      ([p]) => !['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(p),
    );
    for (const [i, [property, value]] of others.entries()) {
      const type = this.propertyType(value, propertySite(rootSite, property, named.length + 1 + i));
      members.push({ name: property, optional: !required.has(property), type, doc: docOf(asSchema(value)) });
    }
    this.add([0], {
      kind: 'interface',
      name: kind,
      doc: docOf(schema) ?? `A \`${kind}\` object (${this.input.apiVersion}).`,
      members,
      indexSignature: rootOpen ? keyword('unknown') : undefined,
    });

    const declarations = [...this.byName.values()]
      .sort((a, b) => compareOrder(a.order, b.order))
      .map((r) => r.declaration);
    return { declarations, specName, statusName, warnings: this.warnings };
  }

  /** A declaration with exactly this name: the object itself, or an alias of whatever the schema says. */
  private named(schema: JsonSchema, name: string, site: Site): void {
    // `nullable` belongs to the property (`spec?: KindSpec | null`), not to the named type.
    const type = this.typeOf({ ...schema, nullable: false }, site, name);
    if (type.kind === 'ref' && type.name === name) return;
    this.add(site.order, { kind: 'alias', name, doc: docOf(schema), type });
  }

  private propertyType(value: unknown, site: Site): TypeExpr {
    const schema = asSchema(value);
    return schema ? this.typeOf(schema, site) : this.untyped(site.where);
  }

  /** The type of one schema node; `forcedName` names the object it declares, if any. */
  private typeOf(schema: JsonSchema, site: Site, forcedName?: string): TypeExpr {
    const base = this.baseTypeOf(schema, site, forcedName);
    return schema.nullable === true ? union([base, keyword('null')]) : base;
  }

  private baseTypeOf(schema: JsonSchema, site: Site, forcedName?: string): TypeExpr {
    if (schema['x-kubernetes-int-or-string'] === true) return union([keyword('number'), keyword('string')]);
    const type = schema.type;
    if (Array.isArray(schema.enum) && schema.enum.length > 0) {
      const values = enumValues(schema.enum, type);
      if (values) return this.enumType(values, schema, site);
    }
    if (schema['x-kubernetes-embedded-resource'] === true)
      return this.objectType(schema, site, forcedName, true);
    switch (type) {
      case 'string':
        return keyword('string');
      case 'integer':
      case 'number':
        return keyword('number');
      case 'boolean':
        return keyword('boolean');
      case 'array':
        return this.arrayType(schema, site);
      case 'object':
        return this.objectType(schema, site, forcedName, false);
      case undefined:
        return this.untypedNode(schema, site, forcedName);
      default:
        this.warn(site.where, `has the unknown type ${JSON.stringify(type)}; typed as unknown`);
        return keyword('unknown');
    }
  }

  /** No `type`: an object or array by its other keys, a union from typed combinators, or any JSON value. */
  private untypedNode(schema: JsonSchema, site: Site, forcedName?: string): TypeExpr {
    if (isRecord(schema.properties) || isRecord(schema.additionalProperties)) {
      return this.objectType(schema, site, forcedName, false);
    }
    if (isRecord(schema.items)) return this.arrayType(schema, site);
    for (const combinator of ['anyOf', 'oneOf', 'allOf'] as const) {
      const list: unknown[] = Array.isArray(schema[combinator]) ? schema[combinator] : [];
      // Branches that only constrain (`required`, `format`, ...) say nothing about the type.
      const branches = list.map(asSchema).filter((b): b is JsonSchema => b !== undefined && describesType(b));
      if (branches.length === 0) continue;
      const types = branches.map((branch, i) =>
        this.typeOf(branch, {
          ...site,
          order: [...site.order, i],
          where: `${site.where}.${combinator}[${i}]`,
        }),
      );
      if (combinator !== 'allOf') return union(types);
      return types.length === 1 ? types[0]! : { kind: 'intersection', members: types };
    }
    // `x-kubernetes-preserve-unknown-fields` without a type is the structural schema's "any JSON value".
    if (schema['x-kubernetes-preserve-unknown-fields'] === true) return keyword('unknown');
    return this.untyped(site.where);
  }

  private untyped(where: string): TypeExpr {
    this.warn(where, 'has no type; typed as unknown');
    return keyword('unknown');
  }

  /** Array items take the array's name: `containers` items are `...Containers`. */
  private arrayType(schema: JsonSchema, site: Site): TypeExpr {
    const items = asSchema(schema.items);
    if (!items) {
      this.warn(site.where, 'is an array without an items schema; typed as unknown[]');
      return { kind: 'array', element: keyword('unknown') };
    }
    return { kind: 'array', element: this.typeOf(items, { ...site, where: `${site.where}[]` }) };
  }

  private objectType(
    schema: JsonSchema,
    site: Site,
    forcedName: string | undefined,
    embedded: boolean,
  ): TypeExpr {
    const properties = isRecord(schema.properties) ? schema.properties : undefined;
    const keepsUnknown = this.input.openObjects || schema['x-kubernetes-preserve-unknown-fields'] === true;
    const additional = schema.additionalProperties;
    if (!properties && !embedded) {
      if (isRecord(additional)) {
        const values: Site = {
          ...site,
          path: [...site.path, 'Value'],
          name: site.name + nameStep('Value'),
          where: `${site.where}.*`,
        };
        return { kind: 'record', value: this.typeOf(additional, values) };
      }
      // Without declared fields the API server keeps nothing unless told to keep unknown fields.
      return keepsUnknown || additional === true ? UNKNOWN_RECORD : EMPTY_RECORD;
    }
    const required = requiredSet(schema);
    const members: Member[] = [];
    if (embedded) {
      members.push(
        { name: 'apiVersion', optional: !required.has('apiVersion'), type: keyword('string') },
        { name: 'kind', optional: !required.has('kind'), type: keyword('string') },
        { name: 'metadata', optional: !required.has('metadata'), type: OBJECT_META },
      );
    }
    const declared = Object.entries(properties ?? {}).filter(
      ([p]) => !embedded || !['apiVersion', 'kind', 'metadata'].includes(p),
    );
    for (const [i, [property, value]] of declared.entries()) {
      const type = this.propertyType(value, propertySite(site, property, i));
      members.push({ name: property, optional: !required.has(property), type, doc: docOf(asSchema(value)) });
    }
    const open = keepsUnknown || additional === true || isRecord(additional) || (embedded && !properties);
    const declaration: Declaration = {
      kind: 'interface',
      name: forcedName ?? site.name,
      members,
      indexSignature: open ? keyword('unknown') : undefined,
    };
    return ref(
      forcedName === undefined
        ? this.add(site.order, declaration, site.path)
        : this.add(site.order, declaration),
    );
  }

  private enumType(values: readonly Literal[], schema: JsonSchema, site: Site): TypeExpr {
    const name = site.name;
    const declared = this.add(
      site.order,
      { kind: 'enum', name, values, constName: `${camelCase(name)}Values` },
      site.path,
    );
    // `enum: [a, null]` admits null even without `nullable`.
    return Array.isArray(schema.enum) && schema.enum.includes(null)
      ? union([ref(declared), keyword('null')])
      : ref(declared);
  }

  /**
   * Registers a declaration and returns the name it goes by. With `path`, an identical earlier
   * declaration is reused, and a clash with a different one falls back to {@link clashName}.
   */
  private add(order: readonly number[], declaration: Declaration, path?: readonly string[]): string {
    const shape = structureKey(declaration);
    const sameShape = this.byShape.get(shape)?.find((known) => sameDocs(known.declaration, declaration));
    if (path && sameShape) return sameShape.name;
    const taken = (candidate: string) => this.byName.has(candidate) || this.reserved.has(candidate);
    let name = declaration.name;
    if (path && taken(name)) {
      name = clashName(path);
      // Only a third path spelling the same name gets here; a hash of the path keeps it stable.
      if (taken(name))
        name = `${declaration.name}_${createHash('sha256').update(path.join('/')).digest('hex').slice(0, 8)}`;
    }
    const renamed: Declaration =
      declaration.kind === 'enum'
        ? { ...declaration, name, constName: `${camelCase(name)}Values` }
        : { ...declaration, name };
    this.byName.set(name, { order, declaration: renamed });
    if (!sameShape) {
      const alike = this.byShape.get(shape);
      if (alike) alike.push({ declaration, name });
      else this.byShape.set(shape, [{ declaration, name }]);
    }
    return name;
  }

  private warn(where: string, message: string): void {
    this.warnings.push({
      location: this.input.location,
      message: `${this.input.label}: ${where || '.'} ${message}`,
    });
  }
}

export function modelSchema(input: SchemaModelInput): SchemaModel {
  return new SchemaWalker(input).build();
}

/** Everything of a declaration but its names and doc comments, as a key. */
function structureKey(declaration: Declaration): string {
  switch (declaration.kind) {
    case 'interface':
      return JSON.stringify([
        declaration.kind,
        declaration.members.map((member) => [member.name, member.optional, member.type]),
        declaration.indexSignature ?? null,
      ]);
    case 'alias':
      return JSON.stringify([declaration.kind, declaration.type]);
    case 'enum':
      return JSON.stringify([declaration.kind, declaration.values]);
  }
}

/** Whether two declarations of the same structure have the same doc comments (their own, their members'). */
function sameDocs(a: Declaration, b: Declaration): boolean {
  if (a.doc !== b.doc) return false;
  if (a.kind !== 'interface' || b.kind !== 'interface') return true;
  return a.members.every((member, i) => member.doc === b.members[i]?.doc);
}

/**
 * A declaration's name from its path: the kind, then each property key in PascalCase
 * (`['Widget', 'spec', 'foo-bar']` → `WidgetSpecFooBar`).
 */
function typeName(path: readonly string[]): string {
  const [kind, ...keys] = path;
  return kind + keys.map(nameStep).join('');
}

/** What one property key adds to a declaration's name. */
function nameStep(key: string): string {
  return pascalCase(key) || 'Property';
}

/** When two paths give one name (`fooBar`, `foo-bar`), the later keeps its last key verbatim: `WidgetSpec_foo_bar`. */
function clashName(path: readonly string[]): string {
  const last = path[path.length - 1] ?? '';
  return `${typeName(path.slice(0, -1))}_${last.replace(/[^A-Za-z0-9_$]/g, '_')}`;
}

function asSchema(value: unknown): JsonSchema | undefined {
  return isRecord(value) ? value : undefined;
}

function requiredSet(schema: JsonSchema | undefined): Set<string> {
  return new Set(
    Array.isArray(schema?.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [],
  );
}

function describesType(schema: JsonSchema): boolean {
  if (TYPE_KEYS.some((key) => schema[key] !== undefined)) return true;
  return ['anyOf', 'oneOf', 'allOf'].some(
    (c) => Array.isArray(schema[c]) && (schema[c] as unknown[]).some((b) => isRecord(b) && describesType(b)),
  );
}

/** Enum values as literals of the node's type; `undefined` when they are not all scalars. */
function enumValues(values: readonly unknown[], type: unknown): Literal[] | undefined {
  const out: Literal[] = [];
  for (const value of values) {
    if (value === null) continue;
    if (typeof value === 'string') out.push(type === 'integer' || type === 'number' ? Number(value) : value);
    else if (typeof value === 'number') out.push(type === 'string' ? String(value) : value);
    else if (typeof value === 'boolean') out.push(type === 'string' ? String(value) : value);
    else return undefined;
  }
  if (out.some((v) => typeof v === 'number' && Number.isNaN(v))) return undefined;
  return out.length > 0 ? [...new Map(out.map((v) => [`${typeof v}:${String(v)}`, v])).values()] : undefined;
}

/** The doc comment of a node: its description plus the format, pattern and default worth knowing. */
function docOf(schema: JsonSchema | undefined): string | undefined {
  if (!schema) return undefined;
  const parts: string[] = [];
  const description = typeof schema.description === 'string' ? schema.description.trim() : '';
  if (description) parts.push(description);
  if (typeof schema.format === 'string' && schema.format) parts.push(`@format ${schema.format}`);
  if (typeof schema.pattern === 'string' && schema.pattern) parts.push(`@pattern ${schema.pattern}`);
  if (schema.default !== undefined) {
    const text = JSON.stringify(schema.default);
    if (text.length <= 200) parts.push(`@default ${text}`);
  }
  return parts.length > 0 ? parts.join('\n') : undefined;
}

function compareOrder(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}
