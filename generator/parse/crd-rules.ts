/**
 * What the API server would reject in a CRD (k8s.io/apiextensions-apiserver's validation), checked
 * before anything is generated: a CRD kopf-gen accepts must also be accepted by `kubectl apply`.
 * Each rule reports the path of the offending value, so the message can name its line.
 *
 * Not every rule of the API server is here: those that a generated project cannot trip over
 * (CEL rules, defaults against the schema) are left to it. Schemas without `type` stay a warning of
 * the modeller (nodes become `unknown`), as they always were.
 */
import type { ValuePath } from './yaml.ts';

export interface RuleViolation {
  readonly path: ValuePath;
  readonly rule: string;
}

const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
/** Keywords of JSON Schema that CRD schemas do not support. */
const UNSUPPORTED = ['$ref', '$schema', 'id', 'definitions', 'patternProperties', 'additionalItems'];
const STRING_KEYWORDS = ['description', 'title', 'pattern', 'format', 'type'];
const BOOLEAN_KEYWORDS = [
  'nullable',
  'uniqueItems',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
];
const INTEGER_KEYWORDS = ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'];
const NUMBER_KEYWORDS = ['minimum', 'maximum', 'multipleOf'];
const SCHEMA_LIST_KEYWORDS = ['allOf', 'anyOf', 'oneOf'];
const LIST_TYPES = new Set(['atomic', 'set', 'map']);
const MAP_TYPES = new Set(['granular', 'atomic']);
/** DNS-1035 label: what the API server requires of version names, plurals and singulars. */
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 subdomain, for the group. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value === 'string' ? 'the string' : `the ${typeof value}`} ${JSON.stringify(value)}`;
}

/** The names, the group and the versions list (spec-level rules). */
export function crdSpecViolations(spec: Record<string, unknown>, legacy: boolean): RuleViolation[] {
  const found: RuleViolation[] = [];
  const group = spec.group;
  if (typeof group === 'string') {
    if (!DNS_SUBDOMAIN.test(group) || group.length > 253)
      found.push({ path: ['spec', 'group'], rule: 'must be a lowercase DNS subdomain (RFC 1123)' });
    else if (!group.includes('.'))
      found.push({ path: ['spec', 'group'], rule: 'must be a domain with at least one dot' });
  }
  const names = isRecord(spec.names) ? spec.names : {};
  for (const key of ['plural', 'singular'] as const) {
    const value = names[key];
    if (typeof value === 'string' && value !== '' && !(DNS_LABEL.test(value) && value.length <= 63))
      found.push({ path: ['spec', 'names', key], rule: 'must be a lowercase DNS label (RFC 1035)' });
  }
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  const seen = new Set<string>();
  let storage = 0;
  versions.forEach((version, i) => {
    if (!isRecord(version)) return;
    const name = version.name;
    if (typeof name === 'string' && name !== '') {
      if (!(DNS_LABEL.test(name) && name.length <= 63))
        found.push({
          path: ['spec', 'versions', i, 'name'],
          rule: 'must be a lowercase DNS label (RFC 1035)',
        });
      if (seen.has(name))
        found.push({ path: ['spec', 'versions', i, 'name'], rule: `version ${name} is listed twice` });
      seen.add(name);
    }
    for (const flag of ['served', 'storage', 'deprecated'] as const) {
      if (version[flag] !== undefined && typeof version[flag] !== 'boolean')
        found.push({
          path: ['spec', 'versions', i, flag],
          rule: `must be true or false, not ${describe(version[flag])}`,
        });
    }
    if (version.storage === true) storage++;
  });
  // A legacy CRD's single `version` (or single list entry) is its storage version by defaulting.
  const needsExactlyOne = !legacy || versions.length > 1;
  if (needsExactlyOne && versions.length > 0 && storage !== 1)
    found.push({
      path: ['spec', 'versions'],
      rule: `exactly one version must be marked storage: true (${storage} are)`,
    });
  return found;
}

/** The rules for one openAPIV3Schema; `structural` for apiextensions.k8s.io/v1, which requires it. */
export function schemaViolations(schema: unknown, at: ValuePath, structural: boolean): RuleViolation[] {
  const found: RuleViolation[] = [];
  if (structural && isRecord(schema) && schema.type !== 'object')
    found.push({ path: [...at, 'type'], rule: 'the root of the schema must be type: object' });
  checkNode(schema, { up: undefined, steps: at }, structural, found);
  return found;
}

/**
 * Where the walk is: the steps below the parent's trail. Schemas of real CRDs have tens of thousands
 * of nodes, tens of levels deep; a node's full path is assembled only when it breaks a rule.
 */
interface Trail {
  readonly up: Trail | undefined;
  readonly steps: ValuePath;
}

function pathOf(trail: Trail): (string | number)[] {
  return trail.up ? [...pathOf(trail.up), ...trail.steps] : [...trail.steps];
}

/** Whether a keyword's value has the type its rule asks for (unsupported keywords never do). */
const KEYWORD_TYPE_OK = new Map<string, (value: unknown) => boolean>([
  ...UNSUPPORTED.map((key) => [key, () => false] as const),
  ...STRING_KEYWORDS.map((key) => [key, (value: unknown) => typeof value === 'string'] as const),
  ...BOOLEAN_KEYWORDS.map((key) => [key, (value: unknown) => typeof value === 'boolean'] as const),
  ...INTEGER_KEYWORDS.map((key) => [key, (value: unknown) => Number.isInteger(value)] as const),
  ...NUMBER_KEYWORDS.map((key) => [key, (value: unknown) => typeof value === 'number'] as const),
]);

function checkNode(node: unknown, at: Trail, structural: boolean, found: RuleViolation[]): void {
  if (!isRecord(node)) {
    found.push({ path: pathOf(at), rule: `a schema must be a mapping, not ${describe(node)}` });
    return;
  }
  const bad = (key: string, rule: string) => found.push({ path: [...pathOf(at), key], rule });
  // One pass over the node's own keys finds whether any keyword has the wrong type; only then are
  // they reported, in the rules' order.
  let wrongKeyword = false;
  for (const key in node) {
    const ok = KEYWORD_TYPE_OK.get(key);
    if (ok && !ok(node[key])) wrongKeyword = true;
  }
  if (wrongKeyword) keywordViolations(node, bad);

  if (typeof node.type === 'string' && !TYPES.has(node.type))
    bad(
      'type',
      node.type === 'null'
        ? 'cannot be null; use nullable: true'
        : `must be one of ${[...TYPES].join(', ')}, not ${JSON.stringify(node.type)}`,
    );
  if ('required' in node) {
    const required = node.required;
    if (!Array.isArray(required) || !required.every((r) => typeof r === 'string'))
      bad('required', `must be a list of property names, not ${describe(required)}`);
  }
  if ('enum' in node && !Array.isArray(node.enum))
    bad('enum', `must be a list of values, not ${describe(node.enum)}`);
  if (node['x-kubernetes-preserve-unknown-fields'] === false)
    bad('x-kubernetes-preserve-unknown-fields', 'must be true or absent');
  if (node['x-kubernetes-embedded-resource'] === true && node.type !== 'object')
    bad('x-kubernetes-embedded-resource', 'requires type: object');
  const listType = node['x-kubernetes-list-type'];
  if (listType !== undefined && !(typeof listType === 'string' && LIST_TYPES.has(listType)))
    bad('x-kubernetes-list-type', `must be atomic, set or map, not ${describe(listType)}`);
  const mapType = node['x-kubernetes-map-type'];
  if (mapType !== undefined && !(typeof mapType === 'string' && MAP_TYPES.has(mapType)))
    bad('x-kubernetes-map-type', `must be granular or atomic, not ${describe(mapType)}`);
  const mapKeys = node['x-kubernetes-list-map-keys'];
  if (mapKeys !== undefined && !(Array.isArray(mapKeys) && mapKeys.every((k) => typeof k === 'string')))
    bad('x-kubernetes-list-map-keys', `must be a list of property names, not ${describe(mapKeys)}`);
  if (listType !== undefined && node.type !== undefined && node.type !== 'array')
    bad('x-kubernetes-list-type', 'may only be given on type: array');
  if (listType === 'map' && !(Array.isArray(mapKeys) && mapKeys.length > 0))
    bad('x-kubernetes-list-type', 'map needs x-kubernetes-list-map-keys');
  if (Array.isArray(mapKeys) && mapKeys.length > 0 && listType !== 'map')
    bad('x-kubernetes-list-map-keys', 'needs x-kubernetes-list-type: map');

  if ('properties' in node) {
    if (!isRecord(node.properties))
      bad('properties', `must be a mapping of schemas, not ${describe(node.properties)}`);
    else
      for (const name in node.properties)
        checkNode(node.properties[name], { up: at, steps: ['properties', name] }, structural, found);
  }
  if ('additionalProperties' in node) {
    const additional = node.additionalProperties;
    if ('properties' in node && additional !== undefined)
      bad('additionalProperties', 'cannot be given together with properties');
    if (additional === false && structural) bad('additionalProperties', 'cannot be false');
    else if (typeof additional !== 'boolean')
      checkNode(additional, { up: at, steps: ['additionalProperties'] }, structural, found);
  }
  if ('items' in node) {
    if (Array.isArray(node.items)) bad('items', 'must be a schema, not a list of schemas');
    else checkNode(node.items, { up: at, steps: ['items'] }, structural, found);
  } else if (structural && node.type === 'array') {
    bad('type', 'an array needs items');
  }
  if ('not' in node) checkNode(node.not, { up: at, steps: ['not'] }, structural, found);
  for (const key of SCHEMA_LIST_KEYWORDS) {
    if (!(key in node)) continue;
    const list = node[key];
    if (!Array.isArray(list)) bad(key, `must be a list of schemas, not ${describe(list)}`);
    else list.forEach((child, i) => checkNode(child, { up: at, steps: [key, i] }, structural, found));
  }
  if (structural && node.uniqueItems === true)
    bad('uniqueItems', 'cannot be true (the API server refuses its quadratic cost)');
}

function keywordViolations(node: Record<string, unknown>, bad: (key: string, rule: string) => void): void {
  for (const key of UNSUPPORTED) if (key in node) bad(key, 'not supported in CRD schemas');
  for (const key of STRING_KEYWORDS)
    if (key in node && typeof node[key] !== 'string')
      bad(key, `must be a string, not ${describe(node[key])}`);
  for (const key of BOOLEAN_KEYWORDS)
    if (key in node && typeof node[key] !== 'boolean')
      bad(key, `must be true or false, not ${describe(node[key])}`);
  for (const key of INTEGER_KEYWORDS)
    if (key in node && !Number.isInteger(node[key]))
      bad(key, `must be an integer, not ${describe(node[key])}`);
  for (const key of NUMBER_KEYWORDS)
    if (key in node && typeof node[key] !== 'number')
      bad(key, `must be a number, not ${describe(node[key])}`);
}
