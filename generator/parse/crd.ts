/**
 * Turns YAML documents into validated CRD descriptions. Both `apiextensions.k8s.io/v1` and the
 * legacy `v1beta1` shape (schema and subresources at the top level) end up in the same form.
 */
import { qualifiedName } from '../../common/resources.ts';
import { InputError, type SourceLocation, type Warning } from '../errors.ts';
import { crdSpecViolations, isRecord, schemaViolations, type RuleViolation } from './crd-rules.ts';
import type { ValuePath, YamlDocument } from './yaml.ts';

export { isRecord };

/** An OpenAPI v3 schema node as it appears in CRDs; only the keys we read are named. */
export interface JsonSchema {
  type?: unknown;
  description?: unknown;
  properties?: unknown;
  required?: unknown;
  items?: unknown;
  additionalProperties?: unknown;
  enum?: unknown;
  nullable?: unknown;
  format?: unknown;
  pattern?: unknown;
  default?: unknown;
  oneOf?: unknown;
  anyOf?: unknown;
  allOf?: unknown;
  'x-kubernetes-int-or-string'?: unknown;
  'x-kubernetes-preserve-unknown-fields'?: unknown;
  'x-kubernetes-embedded-resource'?: unknown;
  [key: string]: unknown;
}

export interface CrdVersion {
  readonly name: string;
  readonly served: boolean;
  readonly storage: boolean;
  readonly deprecated: boolean;
  readonly deprecationWarning?: string;
  /** Absent only for legacy CRDs, which may have no schema at all. */
  readonly schema?: JsonSchema;
  readonly subresources: { readonly status: boolean; readonly scale: boolean };
}

export interface Crd {
  /** `<plural>.<group>` */
  readonly name: string;
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular?: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
  readonly versions: readonly CrdVersion[];
  /** `apiextensions.k8s.io/v1beta1`: no longer served by Kubernetes ≥ 1.22. */
  readonly legacy: boolean;
  /**
   * Whether the API server keeps fields the schema does not declare (legacy CRDs default to it);
   * then every object type of the schema is open.
   */
  readonly keepsUnknownFields: boolean;
  readonly source: SourceLocation;
  /** The document as read. */
  readonly document: Record<string, unknown>;
  /** The document's text as written, copied into deploy/crds.yaml (see {@link YamlDocument.text}). */
  readonly text: string | undefined;
}

export interface ParsedDocuments {
  readonly crds: Crd[];
  /** Non-CRD Kubernetes objects that were skipped. */
  readonly skipped: Warning[];
  readonly warnings: Warning[];
}

const CRD_API_VERSIONS = new Set(['apiextensions.k8s.io/v1', 'apiextensions.k8s.io/v1beta1']);

/** Reads the CRDs among the documents; Kubernetes objects of other kinds are skipped with a notice. */
export function parseCrds(documents: readonly YamlDocument[]): ParsedDocuments {
  const crds: Crd[] = [];
  const skipped: Warning[] = [];
  const warnings: Warning[] = [];
  for (const doc of documents) {
    // Empty documents (`---` twice, a trailing `---`) are legal YAML and mean nothing.
    if (doc.value === null || doc.value === undefined) continue;
    const location: SourceLocation = { file: doc.file, document: doc.index, line: doc.line };
    if (!isRecord(doc.value)) {
      throw new InputError(
        location,
        `not a Kubernetes object (a ${describe(doc.value)}, expected a mapping)`,
      );
    }
    const { apiVersion, kind } = doc.value;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      throw new InputError(location, 'not a Kubernetes object (no apiVersion and kind)');
    }
    if (kind !== 'CustomResourceDefinition' || !CRD_API_VERSIONS.has(apiVersion)) {
      skipped.push({ location, message: `skipped ${apiVersion} ${kind}: not a CustomResourceDefinition` });
      continue;
    }
    const crd = parseCrd(doc.value, doc.text, location, warnings);
    rejectViolations(crd, doc);
    crds.push(crd);
  }
  return { crds, skipped, warnings };
}

function parseCrd(
  document: Record<string, unknown>,
  text: string | undefined,
  location: SourceLocation,
  warnings: Warning[],
): Crd {
  const legacy = document.apiVersion === 'apiextensions.k8s.io/v1beta1';
  const fail = (cause: string): never => {
    throw new InputError(location, `CustomResourceDefinition ${nameOf(document)}: ${cause}`);
  };
  const spec = isRecord(document.spec) ? document.spec : fail('has no spec');
  const names = isRecord(spec.names) ? spec.names : fail('has no spec.names');
  const group = nonEmptyString(spec.group) ?? fail('has no spec.group');
  const kind = nonEmptyString(names.kind) ?? fail('has no spec.names.kind');
  const plural = nonEmptyString(names.plural) ?? fail('has no spec.names.plural');
  const singular = nonEmptyString(names.singular);
  const shortNames = Array.isArray(names.shortNames)
    ? names.shortNames.filter((n) => typeof n === 'string')
    : [];
  const scope = spec.scope ?? (legacy ? 'Namespaced' : undefined);
  if (scope !== 'Namespaced' && scope !== 'Cluster')
    fail(`spec.scope must be Namespaced or Cluster, not ${JSON.stringify(scope)}`);
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(kind))
    fail(`spec.names.kind ${JSON.stringify(kind)} is not a valid kind name`);
  const name =
    nonEmptyString(isRecord(document.metadata) ? document.metadata.name : undefined) ??
    fail('has no metadata.name');
  const expectedName = qualifiedName({ group, plural });
  if (name !== expectedName) fail(`metadata.name must be <plural>.<group> (${expectedName})`);

  if (legacy) {
    warnings.push({
      location,
      message: `${name} is apiextensions.k8s.io/v1beta1, which Kubernetes ≥ 1.22 no longer serves; convert it to v1`,
    });
  }
  const topSchema =
    isRecord(spec.validation) && isRecord(spec.validation.openAPIV3Schema)
      ? spec.validation.openAPIV3Schema
      : undefined;
  const topSubresources = isRecord(spec.subresources) ? spec.subresources : undefined;
  let rawVersions: unknown[];
  if (Array.isArray(spec.versions) && spec.versions.length > 0) rawVersions = spec.versions;
  else if (legacy && nonEmptyString(spec.version))
    rawVersions = [{ name: spec.version, served: true, storage: true }];
  else return fail('has no spec.versions');

  const versions: CrdVersion[] = rawVersions.map((raw, i) => {
    if (!isRecord(raw)) return fail(`spec.versions[${i}] is not a mapping`);
    const versionName = nonEmptyString(raw.name) ?? fail(`spec.versions[${i}] has no name`);
    const schemaHolder = isRecord(raw.schema) ? raw.schema.openAPIV3Schema : undefined;
    let schema = isRecord(schemaHolder) ? schemaHolder : topSchema;
    if (schemaHolder !== undefined && !isRecord(schemaHolder))
      fail(`version ${versionName}: openAPIV3Schema is not a mapping`);
    if (!schema) {
      if (!legacy) fail(`version ${versionName} has no schema.openAPIV3Schema`);
      warnings.push({
        location,
        message: `${name} ${versionName} has no schema; its spec and status are typed as Record<string, unknown>`,
      });
      schema = undefined;
    }
    const subresources = isRecord(raw.subresources) ? raw.subresources : topSubresources;
    return {
      name: versionName,
      served: raw.served !== false,
      storage: raw.storage === true || rawVersions.length === 1,
      deprecated: raw.deprecated === true,
      deprecationWarning: nonEmptyString(raw.deprecationWarning),
      schema,
      subresources: { status: isRecord(subresources?.status), scale: isRecord(subresources?.scale) },
    };
  });
  if (!versions.some((v) => v.served)) fail('serves no version');
  return {
    name,
    group,
    kind,
    plural,
    singular,
    shortNames,
    namespaced: scope === 'Namespaced',
    versions,
    legacy,
    keepsUnknownFields: legacy ? spec.preserveUnknownFields !== false : spec.preserveUnknownFields === true,
    source: location,
    document,
    text,
  };
}

/** The first rule the API server would reject the CRD for, with the line of the offending value. */
function rejectViolations(crd: Crd, doc: YamlDocument): void {
  const spec = crd.document.spec as Record<string, unknown>;
  const violations: RuleViolation[] = [...crdSpecViolations(spec, crd.legacy)];
  const rawVersions = Array.isArray(spec.versions) ? spec.versions : [];
  rawVersions.forEach((raw, i) => {
    const holder = isRecord(raw) && isRecord(raw.schema) ? raw.schema : undefined;
    if (holder && 'openAPIV3Schema' in holder)
      violations.push(
        ...schemaViolations(
          holder.openAPIV3Schema,
          ['spec', 'versions', i, 'schema', 'openAPIV3Schema'],
          !crd.legacy,
        ),
      );
  });
  const validation = spec.validation;
  if (isRecord(validation) && 'openAPIV3Schema' in validation)
    violations.push(
      ...schemaViolations(validation.openAPIV3Schema, ['spec', 'validation', 'openAPIV3Schema'], false),
    );
  const first = violations[0];
  if (!first) return;
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
  throw new InputError(
    { file: doc.file, document: doc.index, line: doc.lineOf(first.path) ?? doc.line },
    `CustomResourceDefinition ${crd.name}: ${formatPath(first.path)}: ${first.rule}${more}; the API server would reject it`,
  );
}

function formatPath(path: ValuePath): string {
  return path
    .map((step, i) => (typeof step === 'number' ? `[${step}]` : i === 0 ? step : `.${step}`))
    .join('');
}

function nameOf(document: Record<string, unknown>): string {
  const name = isRecord(document.metadata) ? document.metadata.name : undefined;
  return typeof name === 'string' ? name : '(unnamed)';
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function describe(value: unknown): string {
  return Array.isArray(value) ? 'list' : typeof value;
}
