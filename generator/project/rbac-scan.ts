/**
 * Reads the user's handler code (ts-morph, no type checking) for every resource it registers handlers
 * on or calls the API for, so that rbac.yaml grants exactly that — and warns where it cannot tell.
 */
import type { CallExpression, Node as NodeType, SourceFile } from 'ts-morph';
import type { Warning } from '../errors.ts';
import type { Permission, RuleScope } from '../model/rbac.ts';
import { SERVING_VERBS } from '../model/rbac.ts';
import { loadTsMorph, type TsMorph } from './ts-morph.ts';

export interface KnownResource {
  readonly group: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** Variable name of its generated descriptor. */
  readonly descriptorName: string;
}

export interface ScanInput {
  /** Project-relative path → source text of every user TypeScript file (generated modules excluded). */
  readonly files: ReadonlyMap<string, string>;
  readonly known: readonly KnownResource[];
  readonly clusterWide: boolean;
}

/** Registrations (`kopf.on.create`, `kopf.timer`, ...) make the runtime list, watch and patch a resource. */
const REGISTRATION = /(?:^|\.)(?:on\.\w+|timer|daemon|index)$/;

/** Client calls and the verb each needs. */
const CALL_VERBS: Readonly<Record<string, readonly string[]>> = {
  get: ['get'],
  read: ['get'],
  list: ['list'],
  watch: ['watch'],
  create: ['create'],
  patch: ['patch'],
  update: ['update'],
  replace: ['update'],
  apply: ['patch', 'create'],
  delete: ['delete'],
};

/** Core-group resources that users commonly name by plural alone. */
const CORE_PLURALS = new Set([
  'pods',
  'services',
  'configmaps',
  'secrets',
  'persistentvolumeclaims',
  'persistentvolumes',
  'serviceaccounts',
  'namespaces',
  'nodes',
  'events',
  'endpoints',
  'limitranges',
  'resourcequotas',
  'replicationcontrollers',
]);
const CLUSTER_SCOPED = new Set([
  'namespaces',
  'nodes',
  'persistentvolumes',
  'customresourcedefinitions',
  'clusterroles',
  'clusterrolebindings',
  'storageclasses',
]);

export async function scanHandlerPermissions(
  input: ScanInput,
): Promise<{ permissions: Permission[]; warnings: Warning[] }> {
  const permissions: Permission[] = [];
  const warnings: Warning[] = [];
  if (input.files.size === 0) return { permissions, warnings };
  // Loaded only when there is user code to read: a fresh project needs no parser, and starts faster.
  const tsMorph = await loadTsMorph();
  const { Node, Project, SyntaxKind } = tsMorph;
  const project = new Project({
    useInMemoryFileSystem: true,
    skipLoadingLibFiles: true,
    compilerOptions: { allowJs: false },
  });
  const sources = [...input.files].map(([file, text]) =>
    project.createSourceFile(`/${file}`, text, { overwrite: true }),
  );
  for (const source of sources) {
    const file = source.getFilePath().slice(1);
    for (const call of source.getDescendantsOfKind(SyntaxKind.CallExpression)) {
      const callee = call.getExpression().getText().replace(/\s+/g, '');
      const method = Node.isPropertyAccessExpression(call.getExpression())
        ? call.getExpression().getLastChildOrThrow().getText()
        : callee;
      const registration = REGISTRATION.test(callee);
      const verbs = registration ? SERVING_VERBS : CALL_VERBS[method];
      if (!verbs) continue;
      const target = call.getArguments()[0];
      if (!target) continue;
      const resolved = resolveResource(tsMorph, target, source, input.known, registration);
      const line = call.getStartLineNumber();
      if (resolved === undefined) {
        if (registration)
          warnings.push({
            location: { file, line },
            message: `cannot tell which resource \`${callee}\` is registered for; add its RBAC by hand`,
          });
        continue;
      }
      if (resolved === null) continue;
      const scope: RuleScope = input.clusterWide || !resolved.namespaced ? 'cluster' : 'namespace';
      permissions.push({
        scope,
        group: resolved.group,
        resource: resolved.plural,
        verbs: [...verbs],
        reason: registration ? `handlers in ${file}` : `${method}() in ${file}`,
      });
    }
  }
  return { permissions, warnings };
}

interface ResolvedResource {
  readonly group: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

/**
 * The resource an argument names: a string (`'pods'`, `'deployments.apps'`, `'apps/v1/deployments'`),
 * a `kopf.resource({...})` literal or a variable holding one, or a generated descriptor.
 * `undefined`: could not tell; `null`: certainly not a resource (e.g. `map.get(key)`).
 */
function resolveResource(
  { Node }: TsMorph,
  node: NodeType,
  source: SourceFile,
  known: readonly KnownResource[],
  registration: boolean,
): ResolvedResource | undefined | null {
  const fromObjectLiteral = (literal: NodeType): ResolvedResource | undefined => {
    if (!Node.isObjectLiteralExpression(literal)) return undefined;
    const value = (key: string): string | boolean | undefined => {
      const property = literal.getProperty(key);
      if (!property || !Node.isPropertyAssignment(property)) return undefined;
      const initializer = property.getInitializer();
      if (!initializer) return undefined;
      if (Node.isStringLiteral(initializer) || Node.isNoSubstitutionTemplateLiteral(initializer)) {
        return initializer.getLiteralText();
      }
      if (Node.isTrueLiteral(initializer)) return true;
      if (Node.isFalseLiteral(initializer)) return false;
      return undefined;
    };
    const plural = value('plural');
    const group = value('group');
    if (typeof plural !== 'string') return undefined;
    const namespaced = value('namespaced');
    return {
      group: typeof group === 'string' ? group : '',
      plural,
      namespaced: typeof namespaced === 'boolean' ? namespaced : !CLUSTER_SCOPED.has(plural),
    };
  };
  const fromResourceCall = (call: CallExpression): ResolvedResource | undefined => {
    if (!/(^|\.)resource$/.test(call.getExpression().getText())) return undefined;
    const argument = call.getArguments()[0];
    return argument ? fromObjectLiteral(argument) : undefined;
  };

  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) {
    return registration ? parseResourceString(node.getLiteralText()) : null;
  }
  if (Node.isCallExpression(node)) return fromResourceCall(node) ?? (registration ? undefined : null);
  if (Node.isObjectLiteralExpression(node))
    return fromObjectLiteral(node) ?? (registration ? undefined : null);
  if (Node.isIdentifier(node) || Node.isPropertyAccessExpression(node)) {
    const name = node.getText().split('.').pop()!;
    const local = source.getVariableDeclaration(name);
    const initializer = local?.getInitializer();
    if (initializer && Node.isCallExpression(initializer)) {
      const fromCall = fromResourceCall(initializer);
      if (fromCall) return fromCall;
    }
    if (initializer && Node.isObjectLiteralExpression(initializer)) {
      const fromLiteral = fromObjectLiteral(initializer);
      if (fromLiteral) return fromLiteral;
    }
    for (const declaration of source.getImportDeclarations()) {
      const imported = declaration
        .getNamedImports()
        .find((n) => (n.getAliasNode()?.getText() ?? n.getName()) === name);
      if (!imported) continue;
      const originalName = imported.getName();
      const specifier = declaration.getModuleSpecifierValue();
      const candidates = known.filter((k) => k.descriptorName === originalName);
      const match = candidates.find((k) => specifier.includes(`/${k.group}/`)) ?? candidates[0];
      if (match) return match;
    }
    return registration ? undefined : null;
  }
  return registration ? undefined : null;
}

export function parseResourceString(text: string): ResolvedResource | undefined {
  const parts = text.split('/');
  let group: string;
  let plural: string;
  if (parts.length === 3) [group, , plural] = parts as [string, string, string];
  else if (parts.length === 2) {
    // `v1/pods` (core) or `apps/deployments`.
    const [first, second] = parts as [string, string];
    group = /^v\d/.test(first) ? '' : first;
    plural = second;
  } else {
    const dot = text.indexOf('.');
    plural = dot < 0 ? text : text.slice(0, dot);
    group = dot < 0 ? '' : text.slice(dot + 1);
  }
  if (!/^[a-z0-9-]+$/.test(plural)) return undefined;
  if (group === '' && !CORE_PLURALS.has(plural)) {
    // A bare plural that is not a core resource cannot be resolved without a cluster.
    return undefined;
  }
  return { group, plural, namespaced: !CLUSTER_SCOPED.has(plural) };
}
