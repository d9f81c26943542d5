/** Handler stubs (user-owned once written) and the operator's entry module. */
import path from 'node:path';
import type { ResourceModel } from '../model/project.ts';

/** The relative import specifier from one project file to another, with its `.ts` extension. */
export function importSpecifier(fromFile: string, toFile: string): string {
  const relative = path.posix.relative(path.posix.dirname(fromFile), toFile);
  return relative.startsWith('.') ? relative : `./${relative}`;
}

export function handlerStub(resource: ResourceModel): string {
  const { crd } = resource;
  const kind = crd.kind;
  const descriptor = resource.preferred.descriptorName;
  const where = crd.namespaced ? '${namespace}/${name}' : '${name}';
  const spec = importSpecifier(resource.handlerPath, resource.preferredModulePath);
  return `/**
 * Handlers for ${crd.name} (${kind}). Generated once by kopf-gen as a starting point: this file is
 * yours now; kopf-gen never overwrites it. Handler results are stored in \`status.<function name>\`.
 */
import * as kopf from 'kopf-ts';
import { ${descriptor} } from '${spec}';

kopf.on.create(${descriptor}, async function create${kind}({ body, spec, name, namespace, logger }) {
  logger.info(\`Creating ${where} with spec \${JSON.stringify(spec)}\`);
  kopf.info(body, { reason: 'Created', message: \`${kind} \${name} is handled\` }); // a Kubernetes Event
  return { message: \`created \${name}\` };
});

kopf.on.update(${descriptor}, async function update${kind}({ name, namespace, diff, logger }) {
  logger.info(\`Updating ${where}: \${diff.length} change(s)\`);
  return { message: \`updated \${name}\` };
});

kopf.on.delete(${descriptor}, async function delete${kind}({ name, namespace, logger }) {
  logger.info(\`Deleting ${where}\`);
  return { message: \`deleted \${name}\` };
});

kopf.on.resume(${descriptor}, async function resume${kind}({ name, namespace, logger }) {
  logger.info(\`Resuming ${where} after the operator restarted\`);
  return { message: \`resumed \${name}\` };
});

// A timer runs periodically for every object while it exists:
//
// kopf.timer(${descriptor}, async function check${kind}({ name, logger }) {
//   logger.debug(\`Checking \${name}\`);
// }, { interval: 60 });

// A daemon runs for as long as the object exists; stop when \`signal\` is aborted:
//
// kopf.daemon(${descriptor}, async function watch${kind}({ name, logger, signal }) {
//   while (!signal.aborted) {
//     logger.debug(\`Still watching \${name}\`);
//     await new Promise((resolve) => setTimeout(resolve, 10_000));
//   }
// }, {});

// Admission webhooks check or change objects before the API server stores them. They need a webhook
// server: \`kopf run --webhook-server https://127.0.0.1:9443 --webhook-managed ${resource.crd.plural}.${resource.crd.group}\`
// on a development machine; re-run kopf-gen to get the Service and flags for deploy/ (docs/webhooks.md).
//
// kopf.on.validate(${descriptor}, function validate${kind}({ spec, warnings }) {
//   if (spec === undefined) throw new kopf.AdmissionError('A spec is required.', { code: 422 });
//   if (Object.keys(spec).length === 0) warnings.push('The spec is empty.');
// });
//
// kopf.on.mutate(${descriptor}, function default${kind}({ patch }) {
//   patch.metadata.labels['example.com/defaulted'] = 'true';
// });
`;
}

export const OPERATOR_PATH = 'src/operator.ts';

export function operatorModule(resources: readonly ResourceModel[]): string {
  const imports = resources
    .map((r) => `import '${importSpecifier(OPERATOR_PATH, r.handlerPath)}';\n`)
    .join('');
  return `/**
 * The operator: every module imported here registers its handlers. Run it with \`kopf run src/operator.ts\`.
 * kopf-gen adds an import for each new CRD's handler module and leaves the rest of this file alone.
 */
${imports}`;
}
