/** Reads every CRD of the input paths, rejecting duplicates, with progress for large inputs. */
import { InputError, type Warning } from '../errors.ts';
import { parseCrds, type Crd } from './crd.ts';
import { findYamlFiles } from './files.ts';
import { readYamlFile } from './yaml.ts';

export interface LoadedCrds {
  readonly files: readonly string[];
  readonly crds: readonly Crd[];
  readonly notices: readonly Warning[];
  readonly warnings: readonly Warning[];
}

export function loadCrds(
  inputs: readonly string[],
  onFile?: (done: number, total: number, crds: number) => void,
): LoadedCrds {
  const files = findYamlFiles(inputs);
  const crds: Crd[] = [];
  const notices: Warning[] = [];
  const warnings: Warning[] = [];
  const seen = new Map<string, Crd>();
  files.forEach((file, i) => {
    const parsed = parseCrds(readYamlFile(file));
    for (const crd of parsed.crds) {
      const earlier = seen.get(crd.name);
      if (earlier) {
        const where = `${earlier.source.file} (document ${(earlier.source.document ?? 0) + 1})`;
        throw new InputError(crd.source, `CustomResourceDefinition ${crd.name} is also defined in ${where}`);
      }
      seen.set(crd.name, crd);
      crds.push(crd);
    }
    notices.push(...parsed.skipped);
    warnings.push(...parsed.warnings);
    onFile?.(i + 1, files.length, crds.length);
  });
  if (crds.length === 0)
    throw new InputError({ file: inputs.join(', ') }, 'no CustomResourceDefinition found');
  return { files, crds, notices, warnings };
}
