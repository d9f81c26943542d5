/** What a generated project consists of: per CRD its served versions, their type modules and descriptors. */
import { apiVersionOf } from '../../common/resources.ts';
import type { Warning } from '../errors.ts';
import type { Crd, CrdVersion } from '../parse/crd.ts';
import { descriptorName, moduleName } from './names.ts';
import { modelSchema, type SchemaModel } from './schema.ts';

export interface VersionModel {
  readonly crd: Crd;
  readonly version: CrdVersion;
  /** `src/generated/<group>/<version>/<kind>.ts`, relative to the project root. */
  readonly modulePath: string;
  readonly descriptorName: string;
  /** Modelled on first use: `kopf-gen rbac` needs the names and paths, never the types. */
  readonly types: SchemaModel;
}

export interface ResourceModel {
  readonly crd: Crd;
  readonly versions: readonly VersionModel[];
  /** The version re-exported without a version in the path: the storage version if served. */
  readonly preferred: VersionModel;
  /** `src/generated/<group>/<kind>.ts` */
  readonly preferredModulePath: string;
  /** `src/handlers/<kind>.ts` */
  readonly handlerPath: string;
}

export interface ProjectModel {
  readonly resources: readonly ResourceModel[];
}

export function modelProject(crds: readonly Crd[]): ProjectModel {
  const kindCounts = new Map<string, number>();
  for (const crd of crds)
    kindCounts.set(moduleName(crd.kind), (kindCounts.get(moduleName(crd.kind)) ?? 0) + 1);
  const resources = [...crds]
    .sort((a, b) => compare(a.name, b.name))
    .map((crd): ResourceModel => {
      const file = moduleName(crd.kind);
      const versions = crd.versions
        .filter((version) => version.served)
        .map((version): VersionModel => {
          let types: SchemaModel | undefined;
          return {
            crd,
            version,
            modulePath: `src/generated/${crd.group}/${version.name}/${file}.ts`,
            descriptorName: descriptorName(crd.kind, crd.plural),
            get types() {
              types ??= modelSchema({
                kind: crd.kind,
                apiVersion: apiVersionOf({ group: crd.group, version: version.name }),
                schema: version.schema,
                openObjects: crd.keepsUnknownFields,
                location: crd.source,
                label: `${crd.name} ${version.name}`,
              });
              return types;
            },
          };
        });
      const preferred = versions.find((v) => v.version.storage) ?? versions[0]!;
      // Two kinds of the same name in different groups would share a handler file.
      const handlerFile = (kindCounts.get(file) ?? 0) > 1 ? `${file}.${crd.group}` : file;
      return {
        crd,
        versions,
        preferred,
        preferredModulePath: `src/generated/${crd.group}/${file}.ts`,
        handlerPath: `src/handlers/${handlerFile}.ts`,
      };
    });
  return { resources };
}

/** Warnings of the type models (models each version that has not been modelled yet). */
export function typeWarnings(model: ProjectModel): Warning[] {
  return model.resources.flatMap((r) => r.versions.flatMap((v) => v.types.warnings));
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
