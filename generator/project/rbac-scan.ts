/**
 * Reads the user's handler code (ts-morph, no type checking) for every resource it registers handlers
 * on or calls the API for, so that rbac.yaml grants exactly that — and warns where it cannot tell.
 */
import type { CallExpression, Expression, Node as NodeType, SourceFile } from 'ts-morph';
import { BUILTIN_RESOURCE_LIST } from '../../common/builtins.ts';
import { qualifiedName, versionedName, type ResourceInfo } from '../../common/resources.ts';
import { readSelector, SelectorError, selectResources } from '../../common/selectors.ts';
import type { Warning } from '../errors.ts';
import type { Permission, RuleScope } from '../model/rbac.ts';
import { SERVING_VERBS } from '../model/rbac.ts';
import { groupOfApiClass, parseCustomObjectMethod, parseTypedMethod } from './client-node-calls.ts';
import { loadTsMorph, type TsMorph } from './ts-morph.ts';

/** A served version of a CRD of the project. */
export interface KnownResource extends ResourceInfo {
  /** Variable name of its generated descriptor. */
  readonly descriptorName: string;
  /** Whether an unversioned selector sees this version (the version kopf-gen prefers). */
  readonly preferred: boolean;
}

export interface ScanInput {
  /** Project-relative path → source text of every user TypeScript file (generated modules excluded). */
  readonly files: ReadonlyMap<string, string>;
  readonly known: readonly KnownResource[];
  readonly clusterWide: boolean;
}

/** Registrations (`kopf.on.create`, `kopf.timer`, ...) make the runtime list, watch and patch a resource. */
const REGISTRATION = /(?:^|\.)(?:on\.\w+|timer|daemon|index)$/;
/** Activities (`kopf.on.startup`, ...) are registered for no resource: they need no rule. */
const ACTIVITY = /(?:^|\.)on\.(?:startup|cleanup|login|probe)$/;
/**
 * Admission webhooks (`kopf.on.validate/mutate`) are called by the API server: they read nothing of
 * their resource. The runtime manages the two webhook configurations with `create` (409: exists)
 * and `patch` (runtime/reactor/admission/managed.ts) — cluster-scoped kinds.
 */
const WEBHOOK = /(?:^|\.)on\.(?:validate|mutate)$/;
export const WEBHOOK_CONFIGURATION_VERBS = ['create', 'patch'] as const;
const WEBHOOK_CONFIGURATIONS = ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'];

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

export async function scanHandlerPermissions(
  input: ScanInput,
): Promise<{ permissions: Permission[]; warnings: Warning[]; webhooks: boolean }> {
  const permissions: Permission[] = [];
  const warnings: Warning[] = [];
  let webhooks = false;
  if (input.files.size === 0) return { permissions, warnings, webhooks };
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
    const importsClientNode = source
      .getImportDeclarations()
      .some((d) => d.getModuleSpecifierValue() === '@kubernetes/client-node');
    for (const call of source.getDescendantsOfKind(SyntaxKind.CallExpression)) {
      const expression = call.getExpression();
      const callee = expression.getText().replace(/\s+/g, '');
      if (ACTIVITY.test(callee)) continue;
      if (WEBHOOK.test(callee)) {
        webhooks = true;
        for (const resource of WEBHOOK_CONFIGURATIONS) {
          permissions.push({
            scope: 'cluster',
            group: 'admissionregistration.k8s.io',
            resource,
            verbs: [...WEBHOOK_CONFIGURATION_VERBS],
            reason: `admission webhooks in ${file} (managed configurations)`,
          });
        }
        continue;
      }
      const line = call.getStartLineNumber();
      if (Node.isPropertyAccessExpression(expression)) {
        const typed = clientNodeCall(tsMorph, call, expression.getExpression(), expression.getName(), {
          source,
          importsClientNode,
        });
        if (typed) {
          if ('warning' in typed) {
            warnings.push({ location: { file, line }, message: typed.warning });
          } else {
            const scope: RuleScope = input.clusterWide || typed.cluster ? 'cluster' : 'namespace';
            permissions.push({
              scope,
              group: typed.group,
              resource: typed.resource,
              verbs: [typed.verb],
              reason: `${expression.getName()}() in ${file}`,
            });
          }
          continue;
        }
      }
      const method = Node.isPropertyAccessExpression(expression) ? expression.getName() : callee;
      const registration = REGISTRATION.test(callee);
      const verbs = registration ? SERVING_VERBS : CALL_VERBS[method];
      if (!verbs) continue;
      const target = call.getArguments()[0];
      if (!target) continue;
      if (registration && isResourceQuery(tsMorph, target)) {
        warnings.push({
          location: { file, line },
          message:
            `\`${callee}\` is registered for a resource query (kopf.EVERYTHING, a category or a \`where\` ` +
            `predicate): which resources it serves is known only at run time; grant ${SERVING_VERBS.join(', ')} ` +
            'on them by hand',
        });
        continue;
      }
      const resolved = resolveResource(tsMorph, target, source, input.known, registration);
      if (resolved === null) continue;
      if (resolved === undefined || 'unresolved' in resolved) {
        if (registration) {
          const why = resolved ? ` (${resolved.unresolved})` : '';
          warnings.push({
            location: { file, line },
            message: `cannot tell which resource \`${callee}\` is registered for${why}; add its RBAC by hand`,
          });
        }
        continue;
      }
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
  return { permissions, warnings, webhooks };
}

type ClientNodeNeed =
  { group: string; resource: string; verb: string; cluster: boolean } | { warning: string };

/**
 * A typed client-node call (`core.createNamespacedPod(...)`, `custom.patchNamespacedCustomObject(...)`):
 * the verb and resource from the method name, the group from the API class the client was made from.
 * Undefined when the call is not one (or cannot be told from other code: no warning then).
 */
function clientNodeCall(
  tsMorph: TsMorph,
  call: CallExpression,
  receiver: Expression,
  method: string,
  context: { source: SourceFile; importsClientNode: boolean },
): ClientNodeNeed | undefined {
  const { Node } = tsMorph;
  const custom = parseCustomObjectMethod(method);
  const typed = custom ? undefined : parseTypedMethod(method);
  if (!custom && !typed) return undefined;
  const apiClass = apiClassOf(tsMorph, receiver, context.source);
  const what = `\`${receiver.getText().replace(/\s+/g, '')}.${method}()\``;
  if (custom) {
    if (apiClass ? apiClass !== 'CustomObjectsApi' : !context.importsClientNode) return undefined;
    const options = call.getArguments()[0];
    const literal = (key: string): string | undefined => {
      if (!options || !Node.isObjectLiteralExpression(options)) return undefined;
      const property = options.getProperty(key);
      const initializer =
        property && Node.isPropertyAssignment(property) ? property.getInitializer() : undefined;
      return initializer &&
        (Node.isStringLiteral(initializer) || Node.isNoSubstitutionTemplateLiteral(initializer))
        ? initializer.getLiteralText()
        : undefined;
    };
    const group = literal('group');
    const plural = literal('plural');
    if (group === undefined || plural === undefined)
      return {
        warning: `cannot tell which resource ${what} is for (no literal \`group\` and \`plural\`); add its RBAC by hand`,
      };
    return {
      group,
      resource: custom.subresource ? `${plural}/${custom.subresource}` : plural,
      verb: custom.verb,
      cluster: !custom.namespaced,
    };
  }
  const need = typed!;
  const group = apiClass === undefined ? undefined : groupOfApiClass(apiClass);
  if (group === undefined) {
    // A declared class that is no API class: some other object. None visible: only a method name
    // that is surely client-node's (and a file that imports it) is reported.
    if (apiClass !== undefined ? !/Api$/.test(apiClass) : !context.importsClientNode) return undefined;
    if (apiClass === undefined && !/Namespaced|ForAllNamespaces/.test(method)) return undefined;
    return {
      warning:
        `cannot tell the API group of ${what} (the client's API class is not visible here); ` +
        `add RBAC for \`${need.resource}: ${need.verb}\` by hand`,
    };
  }
  return { group, resource: need.resource, verb: need.verb, cluster: !need.namespaced || need.allNamespaces };
}

/**
 * The client-node API class a client expression was made from: `kc.makeApiClient(CoreV1Api)` or
 * `new CoreV1Api(...)` in place, or in the declaration (variable, property, parameter type, or
 * `this.x = ...` assignment) of the name it is held in, in this file.
 */
function apiClassOf(
  { Node, SyntaxKind }: TsMorph,
  receiver: NodeType,
  source: SourceFile,
): string | undefined {
  const lastName = (text: string): string => text.replace(/<.*$/s, '').split('.').pop()!.trim();
  const classOf = (node: NodeType | undefined): string | undefined => {
    if (!node) return undefined;
    if (Node.isAwaitExpression(node) || Node.isParenthesizedExpression(node))
      return classOf(node.getExpression());
    if (Node.isAsExpression(node))
      return classOf(node.getExpression()) ?? lastName(node.getTypeNodeOrThrow().getText());
    if (Node.isCallExpression(node) && /(?:^|\.)makeApiClient$/.test(node.getExpression().getText())) {
      const argument = node.getArguments()[0];
      return argument ? lastName(argument.getText()) : undefined;
    }
    if (Node.isNewExpression(node)) return lastName(node.getExpression().getText());
    return undefined;
  };
  const inPlace = classOf(receiver);
  if (inPlace) return inPlace;
  if (!Node.isIdentifier(receiver) && !Node.isPropertyAccessExpression(receiver)) return undefined;
  const name = lastName(receiver.getText());
  const declared = (node: NodeType): string | undefined => {
    if (
      Node.isVariableDeclaration(node) ||
      Node.isPropertyDeclaration(node) ||
      Node.isParameterDeclaration(node)
    ) {
      if (node.getName() !== name) return undefined;
      const type = node.getTypeNode();
      return classOf(node.getInitializer()) ?? (type ? lastName(type.getText()) : undefined);
    }
    if (Node.isBinaryExpression(node) && node.getOperatorToken().getKind() === SyntaxKind.EqualsToken) {
      const left = node.getLeft();
      if (Node.isPropertyAccessExpression(left) && left.getName() === name) return classOf(node.getRight());
    }
    return undefined;
  };
  for (const node of source.getDescendants()) {
    const found = declared(node);
    if (found) return found;
  }
  return undefined;
}

/**
 * Whether a registration's resource argument is a query (runtime/api/resources.ts): `kopf.EVERYTHING`,
 * or an object literal selecting by `everything`, `category` or `where` (spreading EVERYTHING counts).
 */
function isResourceQuery({ Node }: TsMorph, node: NodeType): boolean {
  const everything = (text: string) => /(?:^|\.)EVERYTHING$/.test(text.replace(/\s+/g, ''));
  if (Node.isIdentifier(node) || Node.isPropertyAccessExpression(node)) return everything(node.getText());
  if (!Node.isObjectLiteralExpression(node)) return false;
  return node
    .getProperties()
    .some((property) =>
      Node.isSpreadAssignment(property)
        ? everything(property.getExpression().getText())
        : ['everything', 'category', 'where'].includes(
            Node.isPropertyAssignment(property) ||
              Node.isShorthandPropertyAssignment(property) ||
              Node.isMethodDeclaration(property)
              ? property.getName()
              : '',
          ),
    );
}

interface ResolvedResource {
  readonly group: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

/** A selector string that names no single resource here, and why. */
interface Unresolved {
  readonly unresolved: string;
}

/**
 * The resource an argument names: a selector string (any form the runtime accepts: `'pods'`,
 * `'deploy'`, `'deployments.apps'`, `'kopfexamples.v1.kopf.dev'`, `'apps/v1/deployments'`),
 * `kopf.builtins.*`, a `kopf.resource({...})` literal or a variable holding one, or a generated
 * descriptor. `undefined`: could not tell; `null`: certainly not a resource (e.g. `map.get(key)`).
 */
function resolveResource(
  { Node }: TsMorph,
  node: NodeType,
  source: SourceFile,
  known: readonly KnownResource[],
  registration: boolean,
): ResolvedResource | Unresolved | undefined | null {
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
      namespaced:
        typeof namespaced === 'boolean'
          ? namespaced
          : isNamespaced(typeof group === 'string' ? group : '', plural, known),
    };
  };
  const fromResourceCall = (call: CallExpression): ResolvedResource | undefined => {
    if (!/(^|\.)resource$/.test(call.getExpression().getText())) return undefined;
    const argument = call.getArguments()[0];
    return argument ? fromObjectLiteral(argument) : undefined;
  };

  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) {
    return registration ? resolveSelector(node.getLiteralText(), known) : null;
  }
  if (Node.isCallExpression(node)) return fromResourceCall(node) ?? (registration ? undefined : null);
  if (Node.isObjectLiteralExpression(node))
    return fromObjectLiteral(node) ?? (registration ? undefined : null);
  if (Node.isIdentifier(node) || Node.isPropertyAccessExpression(node)) {
    // `kopf.builtins.<plural>` (runtime/api/builtins.ts): the built-in of that plural.
    const builtin = /(?:^|\.)builtins\.(\w+)$/.exec(node.getText().replace(/\s+/g, ''));
    if (builtin) {
      const found = resolveSelector(builtin[1]!, []);
      return 'unresolved' in found ? (registration ? undefined : null) : found;
    }
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

/**
 * What a selector string selects among the built-ins and the project's CRDs, by the runtime's
 * grammar. A resource of an explicitly named group that is neither (its CRD is not an input) is
 * taken by its plural, namespaced unless known otherwise.
 */
export function resolveSelector(
  text: string,
  known: readonly KnownResource[],
): ResolvedResource | Unresolved {
  const spec = readSelector(text);
  if (spec instanceof SelectorError) return { unresolved: spec.message };
  const candidates: ReadonlyArray<ResourceInfo & { preferred?: boolean }> = [
    ...BUILTIN_RESOURCE_LIST,
    ...known,
  ];
  const chosen = selectResources(spec, candidates, (r) => r.preferred ?? true);
  const names = [...new Set(chosen.map(qualifiedName))];
  if (names.length > 1)
    return { unresolved: `'${text}' is ambiguous: it matches ${chosen.map(versionedName).join(', ')}` };
  const [found] = chosen;
  if (found) return { group: found.group, plural: found.plural, namespaced: found.namespaced };
  if (spec.group !== undefined && /^[a-z0-9-]+$/.test(spec.name))
    return { group: spec.group, plural: spec.name, namespaced: isNamespaced(spec.group, spec.name, known) };
  return { unresolved: `'${text}' is neither a built-in resource nor one of the CRDs` };
}

/** Whether a resource is namespaced, from the built-ins and the CRDs; unknown ones are assumed to be. */
function isNamespaced(group: string, plural: string, known: readonly KnownResource[]): boolean {
  const name = qualifiedName({ group, plural });
  return [...BUILTIN_RESOURCE_LIST, ...known].find((r) => qualifiedName(r) === name)?.namespaced ?? true;
}
