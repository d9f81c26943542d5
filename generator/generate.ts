/**
 * The pipeline: read CRDs → model → emit generated files → merge with the user's files → diff → write.
 * Generated files are always rewritten from the CRDs; user files are only ever created or appended to.
 */
import path from 'node:path';
import type { Warning } from './errors.ts';
import {
  emitCrdsYaml,
  emitDeploymentYaml,
  emitPeeringObjectsYaml,
  emitPeeringYaml,
  emitRbacYaml,
  type DeploySettings,
} from './emit/deploy.ts';
import { handlerStub, importSpecifier, OPERATOR_PATH, operatorModule } from './emit/handlers.ts';
import {
  dockerfile,
  DOCKERIGNORE,
  GITIGNORE,
  packageJson,
  tsconfigBuildJson,
  tsconfigJson,
} from './emit/project-files.ts';
import { EXAMPLE_TEST_PATH, exampleTest } from './emit/example-test.ts';
import { emitWebhooksYaml, WEBHOOKS_PATH, withWebhookServing } from './emit/webhooks.ts';
import { emitKustomization, KUSTOMIZATION_PATH } from './emit/kustomization.ts';
import { emitPreferredModule, emitTypesModule, GENERATED_HEADER } from './emit/types.ts';
import { modelProject, typeWarnings, type ProjectModel } from './model/project.ts';
import { runtimePermissions } from './model/rbac.ts';
import { scalingMode, type ScalingMode } from './model/scaling.ts';
import { loadCrds } from './parse/load.ts';
import type { Crd } from './parse/crd.ts';
import {
  applyChanges,
  diffAgainstDisk,
  listFiles,
  readIfExists,
  type FileContent,
  type PlannedChanges,
} from './project/files.ts';
import {
  defaultKopfTsSpec,
  installSource,
  localTarball,
  VENDORED_SPEC,
  VENDORED_TARBALL,
} from './project/kopf-ts-spec.ts';
import { addMissingImports } from './project/operator-imports.ts';
import { scanHandlerPermissions } from './project/rbac-scan.ts';
import { ownPackage } from '../common/package.ts';
import {
  emitSettings,
  projectName,
  readSettings,
  SETTINGS_FILE,
  type ProjectSettings,
} from './project/settings.ts';

export interface GenerateOptions {
  readonly inputs: readonly string[];
  readonly outDir: string;
  /** A namespace to serve; null for cluster-wide; undefined to keep the project's current choice. */
  readonly namespace?: string | null;
  readonly kopfTs?: string;
  /** Replicas of the Deployment (more than one: leader election); undefined keeps the current choice. */
  readonly replicas?: number;
  /** Shard the objects between the replicas (`kopf run --sharded`); undefined keeps the current choice. */
  readonly sharded?: boolean;
  /** The namespace a cluster-wide operator is deployed to; undefined keeps the current choice. */
  readonly deployNamespace?: string;
  /** Compute the changes, write nothing. */
  readonly check?: boolean;
  /** User files to create along with the project when they do not exist yet (`kopf-gen init`'s CRD). */
  readonly seed?: ReadonlyMap<string, string>;
  readonly progress?: (message: string) => void;
}

export interface GenerateResult {
  readonly crds: number;
  readonly versions: number;
  readonly changes: PlannedChanges;
  readonly warnings: readonly Warning[];
  readonly notices: readonly Warning[];
}

const GENERATED_DIR = 'src/generated';
export const RBAC_PATH = 'deploy/rbac.yaml';
export const CRDS_PATH = 'deploy/crds.yaml';

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const root = options.outDir;
  const loaded = loadCrds(options.inputs, (done, total, crds) => {
    if (total >= 20 && (done % 10 === 0 || done === total))
      options.progress?.(`read ${done}/${total} files, ${crds} CRDs`);
  });
  const model = modelProject(loaded.crds);
  const settings = resolveSettings(root, options);
  const desired = new Map<string, string>();

  let modules = 0;
  for (const resource of model.resources) {
    for (const version of resource.versions) {
      desired.set(version.modulePath, emitTypesModule(version));
      modules++;
      if (modules % 25 === 0) options.progress?.(`generated ${modules} type modules`);
    }
    desired.set(resource.preferredModulePath, emitPreferredModule(resource));
  }
  const deploy = deploySettings(settings);
  desired.set(CRDS_PATH, emitCrdsYaml(loaded.crds));
  desired.set('deploy/peering.yaml', emitPeeringYaml());
  desired.set('deploy/peering-objects.yaml', emitPeeringObjectsYaml(deploy));
  desired.set('deploy/deployment.yaml', emitDeploymentYaml(deploy));
  desired.set(SETTINGS_FILE, emitSettings(settings));

  for (const [file, content] of options.seed ?? []) {
    if (readIfExists(path.join(root, file)) === undefined) desired.set(file, content);
  }
  await addUserFiles(root, model, settings, desired);
  const scan = await rbacFor(root, loaded.crds, model, settings, desired);
  desired.set(RBAC_PATH, scan.yaml);
  if (scan.webhooks) {
    desired.set(WEBHOOKS_PATH, emitWebhooksYaml(deploy));
    desired.set('deploy/deployment.yaml', withWebhookServing(desired.get('deploy/deployment.yaml')!, deploy));
  }
  desired.set(
    KUSTOMIZATION_PATH,
    emitKustomization(
      {
        name: settings.name,
        namespace: deploy.namespace,
        manifests: [...desired.keys()].filter((file) => /^deploy\/[^/]+\.yaml$/.test(file)),
      },
      readIfExists(path.join(root, KUSTOMIZATION_PATH)),
    ),
  );

  const stale = listFiles(root, GENERATED_DIR).filter(
    (file) => !desired.has(file) && (readIfExists(path.join(root, file)) ?? '').startsWith(GENERATED_HEADER),
  );
  const orphanedImports = importsOfRemovedTypes(root, desired);

  const changes = diffAgainstDisk(root, withVendoredKopfTs(settings, desired), stale);
  if (!options.check) applyChanges(root, changes);
  return {
    crds: model.resources.length,
    versions: model.resources.reduce((n, r) => n + r.versions.length, 0),
    changes,
    warnings: [...loaded.warnings, ...typeWarnings(model), ...scan.warnings, ...orphanedImports],
    notices: loaded.notices,
  };
}

/** `kopf-gen rbac`: only deploy/rbac.yaml, from deploy/crds.yaml and the handler code as they are now. */
export async function regenerateRbac(root: string, check = false): Promise<GenerateResult> {
  const loaded = loadCrds([path.join(root, CRDS_PATH)]);
  const model = modelProject(loaded.crds);
  const settings = resolveSettings(root, { outDir: root });
  const scan = await rbacFor(root, loaded.crds, model, settings, new Map());
  const changes = diffAgainstDisk(root, new Map([[RBAC_PATH, scan.yaml]]), []);
  if (!check) applyChanges(root, changes);
  return {
    crds: model.resources.length,
    versions: model.resources.reduce((n, r) => n + r.versions.length, 0),
    changes,
    warnings: scan.warnings,
    notices: [],
  };
}

function resolveSettings(
  root: string,
  options: Pick<GenerateOptions, 'namespace' | 'kopfTs' | 'replicas' | 'sharded' | 'deployNamespace'> & {
    outDir: string;
  },
): ProjectSettings {
  const stored = readSettings(root);
  const replicas = options.replicas ?? stored.replicas;
  const sharded = options.sharded ?? stored.sharded;
  const deployNamespace = options.deployNamespace ?? stored.deployNamespace;
  return {
    name: stored.name ?? projectName(root),
    namespace: options.namespace !== undefined ? options.namespace : (stored.namespace ?? null),
    kopfTs:
      options.kopfTs ?? stored.kopfTs ?? defaultKopfTsSpec(installSource(ownPackage()), ownPackage().version),
    ...(replicas !== undefined ? { replicas } : {}),
    ...(sharded !== undefined ? { sharded } : {}),
    ...(deployNamespace !== undefined ? { deployNamespace } : {}),
  };
}

/**
 * A project depending on the vendored tarball gets the kopf-ts this kopf-gen runs from, refreshed on
 * every run; a registry-installed kopf-gen cannot make one and leaves the file as it is.
 */
function withVendoredKopfTs(
  settings: ProjectSettings,
  desired: ReadonlyMap<string, string>,
): ReadonlyMap<string, FileContent> {
  const source = installSource(ownPackage());
  if (settings.kopfTs !== VENDORED_SPEC || source.kind === 'registry') return desired;
  return new Map<string, FileContent>([...desired, [VENDORED_TARBALL, localTarball(source)]]);
}

function deploySettings(settings: ProjectSettings): DeploySettings {
  return {
    name: settings.name,
    servedNamespace: settings.namespace ?? undefined,
    namespace: settings.namespace ?? settings.deployNamespace ?? 'default',
    replicas: settings.replicas ?? 1,
    scaling: projectScaling(settings),
  };
}

function projectScaling(settings: ProjectSettings): ScalingMode {
  return scalingMode(settings.replicas ?? 1, settings.sharded ?? false);
}

/** Scaffold files appear once; handler stubs for new CRDs; operator.ts gains their imports. */
async function addUserFiles(
  root: string,
  model: ProjectModel,
  settings: ProjectSettings,
  desired: Map<string, string>,
): Promise<void> {
  const own = ownPackage();
  const once = (file: string, content: () => string) => {
    if (readIfExists(path.join(root, file)) === undefined) desired.set(file, content());
  };
  once(
    'package.json',
    () =>
      JSON.stringify(
        packageJson({
          name: settings.name,
          kopfTs: settings.kopfTs,
          typescriptVersion: own.devDependencies.typescript ?? '^6.0.3',
          nodeTypesVersion: own.devDependencies['@types/node'] ?? '^24.0.0',
          nodeVersion: own.devDependencies['node'] ?? '24',
          namespace: settings.namespace,
        }),
        null,
        2,
      ) + '\n',
  );
  once('tsconfig.json', tsconfigJson);
  once('tsconfig.build.json', tsconfigBuildJson);
  once('.gitignore', () => GITIGNORE);
  once('.dockerignore', () => DOCKERIGNORE);
  once('Dockerfile', () => dockerfile(settings.kopfTs === VENDORED_SPEC));
  if (model.resources.length > 0) once(EXAMPLE_TEST_PATH, () => exampleTest(model.resources));

  const created = model.resources.filter((r) => readIfExists(path.join(root, r.handlerPath)) === undefined);
  for (const resource of created) desired.set(resource.handlerPath, handlerStub(resource));
  const operator = readIfExists(path.join(root, OPERATOR_PATH));
  if (operator === undefined) {
    desired.set(OPERATOR_PATH, operatorModule(model.resources));
  } else if (created.length > 0) {
    const updated = await addMissingImports(
      operator,
      created.map((r) => importSpecifier(OPERATOR_PATH, r.handlerPath)),
    );
    if (updated !== operator) desired.set(OPERATOR_PATH, updated);
  }
}

async function rbacFor(
  root: string,
  crds: readonly Crd[],
  model: ProjectModel,
  settings: ProjectSettings,
  planned: ReadonlyMap<string, string>,
): Promise<{ yaml: string; warnings: Warning[]; webhooks: boolean }> {
  const files = new Map<string, string>();
  for (const file of listFiles(root, 'src')) {
    if (file.endsWith('.ts') && !file.startsWith(`${GENERATED_DIR}/`))
      files.set(file, readIfExists(path.join(root, file)) ?? '');
  }
  for (const [file, text] of planned) {
    if (file.startsWith('src/') && file.endsWith('.ts') && !file.startsWith(`${GENERATED_DIR}/`))
      files.set(file, text);
  }
  // An untouched stub registers only on its own CRD, which the runtime rules already cover.
  for (const resource of model.resources) {
    if (files.get(resource.handlerPath) === handlerStub(resource)) files.delete(resource.handlerPath);
  }
  if (files.get(OPERATOR_PATH) === operatorModule(model.resources)) files.delete(OPERATOR_PATH);
  const clusterWide = settings.namespace === null;
  const scan = await scanHandlerPermissions({
    files: new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    known: model.resources.flatMap((r) =>
      r.versions.map((v) => ({
        group: r.crd.group,
        version: v.version.name,
        plural: r.crd.plural,
        kind: r.crd.kind,
        namespaced: r.crd.namespaced,
        ...(r.crd.singular ? { singular: r.crd.singular } : {}),
        shortNames: r.crd.shortNames,
        descriptorName: v.descriptorName,
        preferred: v === r.preferred,
      })),
    ),
    clusterWide,
  });
  const permissions = [
    ...runtimePermissions(crds, {
      namespace: settings.namespace ?? undefined,
      scaling: projectScaling(settings),
    }),
    ...scan.permissions,
  ];
  return {
    yaml: emitRbacYaml(deploySettings(settings), permissions),
    warnings: scan.warnings,
    webhooks: scan.webhooks,
  };
}

/**
 * Imports of a generated module which this run no longer writes: its CRD (or version) is gone, and
 * the user's module will not compile until it follows. The module is left alone; each import is a
 * warning naming it.
 */
function importsOfRemovedTypes(root: string, desired: ReadonlyMap<string, string>): Warning[] {
  const warnings: Warning[] = [];
  for (const file of listFiles(root, 'src')) {
    if (!file.endsWith('.ts') || file.startsWith(`${GENERATED_DIR}/`)) continue;
    const text = desired.get(file) ?? readIfExists(path.join(root, file)) ?? '';
    for (const match of text.matchAll(/from\s+['"](\.[^'"]*\/generated\/[^'"]+\.ts)['"]/g)) {
      const specifier = match[1]!;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      if (desired.has(target)) continue;
      const line = text.slice(0, match.index).split('\n').length;
      warnings.push({
        location: { file, line },
        message: `imports '${specifier}', whose CRD or version is no longer in the input; the module was left in place`,
      });
    }
  }
  return warnings;
}
