/**
 * `kopf-gen`: generates a typed Kopf operator project from CRD YAML files, and regenerates it in
 * place when the CRDs change (`kopf-gen crds/` inside the project). `kopf-gen rbac` refreshes only
 * deploy/rbac.yaml from the handler code; `kopf-gen init [DIR]` starts a project from Kopf's example CRD.
 */
import path from 'node:path';
import { helpText, parseCommandLine, UsageError, type CommandLine } from './args.ts';
import { formatWarning, InputError, OutputError } from './errors.ts';
import { generate, regenerateRbac, type GenerateResult } from './generate.ts';
import { init } from './init.ts';
import { typecheckProject } from './project/typecheck.ts';
import { watchInputs } from './watch.ts';

interface Output {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Runs kopf-gen with the given arguments; resolves to the process exit code. `--watch` runs until
 * `signal` aborts (by default: SIGINT or SIGTERM).
 */
export async function main(
  argv: readonly string[],
  output: Output = consoleOutput,
  signal?: AbortSignal,
): Promise<number> {
  let args: CommandLine;
  try {
    args = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.err(`kopf-gen: ${error.message} (kopf-gen --help lists the options)`);
    return 2;
  }
  const { command, inputs } = args;
  const rbacOnly = command === 'rbac';
  if (args.help) {
    output.out(helpText(command));
    return 0;
  }
  if (args.watch && (args.check || command === 'init')) {
    output.err(`kopf-gen: --watch does not go with ${command === 'init' ? 'init' : '--check'}`);
    return 2;
  }
  if (command === 'init' && inputs.length > 1) {
    output.err('kopf-gen: init takes one project directory, e.g. `kopf-gen init my-operator`');
    return 2;
  }
  if (!command && inputs.length === 0) {
    output.err(
      'kopf-gen: give the CRD files or directories to read, e.g. `kopf-gen crds/` (no CRD yet? `kopf-gen init my-operator`)',
    );
    return 2;
  }

  let scaling: ReturnType<typeof scalingArgs> = {};
  try {
    if (!rbacOnly) scaling = scalingArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.err(`kopf-gen: ${error.message}`);
    return 2;
  }

  const options = {
    outDir: command === 'init' ? (inputs[0] ?? args.output) : args.output,
    namespace: args.namespace !== undefined ? args.namespace : args.clusterWide ? null : undefined,
    kopfTs: args.kopfTs,
    ...scaling,
    check: args.check,
    progress: args.quiet ? undefined : (message: string) => output.err(message),
  };
  const once = async (): Promise<GenerateResult | undefined> => {
    const started = performance.now();
    try {
      const result = rbacOnly
        ? await regenerateRbac(args.output, args.check)
        : command === 'init'
          ? await init(options)
          : await generate({ ...options, inputs });
      report(result, args.check, args.quiet, performance.now() - started, output);
      return result;
    } catch (error) {
      if (!(error instanceof InputError || error instanceof OutputError)) throw error;
      output.err(`kopf-gen: error: ${error.message}`);
      if (!(error instanceof OutputError && error.partial)) output.err('kopf-gen: nothing was written.');
      return undefined;
    }
  };

  const first = await once();
  if (!first) return 1;
  if (command === undefined && args.watch) {
    await watchAndRegenerate(inputs, options.outDir, once, output, signal ?? stopSignal());
    return 0;
  }
  return args.check && (first.changes.writes.size > 0 || first.changes.deletions.length > 0) ? 1 : 0;
}

/** `--watch`: type-check now, then regenerate and type-check again after every change to the inputs. */
async function watchAndRegenerate(
  inputs: readonly string[],
  root: string,
  once: () => Promise<GenerateResult | undefined>,
  output: Output,
  signal: AbortSignal,
): Promise<void> {
  await reportTypecheck(root, output);
  output.err(`kopf-gen: watching ${inputs.join(', ')} for changes (Ctrl+C to stop)`);
  await watchInputs({
    inputs,
    debounceMs: 200,
    signal,
    regenerate: async (changed) => {
      output.err(
        `kopf-gen: ${changed.map((file) => path.relative('.', file)).join(', ')} changed; regenerating`,
      );
      const result = await once();
      if (!result) return [];
      const { writes, deletions } = result.changes;
      if (writes.size + deletions.length > 0) await reportTypecheck(root, output);
      return [...writes.keys()].map((file) => path.join(root, file));
    },
  });
  output.err('kopf-gen: stopped watching.');
}

async function reportTypecheck(root: string, output: Output): Promise<void> {
  const result = await typecheckProject(root);
  if (!result.ran) {
    output.err(`notice: the project was not type-checked: ${result.reason}`);
  } else if (result.errors.length === 0) {
    output.err('kopf-gen: the project type-checks (tsc).');
  } else {
    const count = result.errors.length;
    output.err(
      `kopf-gen: the project no longer type-checks; tsc found ${count} error${count === 1 ? '' : 's'}:`,
    );
    for (const line of result.errors) output.err(`  ${line}`);
  }
}

/** Aborts at the first SIGINT or SIGTERM (only `--watch` waits on it). */
function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return controller.signal;
}

/** `--replicas` (a positive integer), `--[no-]sharded` and `--deploy-namespace`, checked. */
function scalingArgs(args: CommandLine): {
  replicas?: number;
  sharded?: boolean;
  deployNamespace?: string;
} {
  const given = args.replicas;
  const replicas = given === undefined ? undefined : given.trim() === '' ? NaN : Number(given);
  if (replicas !== undefined && !(Number.isInteger(replicas) && replicas >= 1))
    throw new UsageError(`--replicas must be a positive integer, not ${given}`);
  const { deployNamespace, sharded } = args;
  if (deployNamespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(deployNamespace))
    throw new UsageError(
      `--deploy-namespace must be a namespace name (DNS-1123 label), not ${deployNamespace}`,
    );
  return {
    ...(replicas !== undefined ? { replicas } : {}),
    ...(sharded !== undefined ? { sharded } : {}),
    ...(deployNamespace !== undefined ? { deployNamespace } : {}),
  };
}

function report(result: GenerateResult, check: boolean, quiet: boolean, ms: number, output: Output): void {
  if (!quiet) {
    for (const notice of result.notices) output.err(`notice: ${formatWarning(notice)}`);
  }
  for (const warning of result.warnings) output.err(`warning: ${formatWarning(warning)}`);
  const { writes, deletions } = result.changes;
  if (check) {
    for (const file of writes.keys()) output.out(`would write ${file}`);
    for (const file of deletions) output.out(`would remove ${file}`);
    output.out(
      writes.size + deletions.length === 0
        ? 'kopf-gen: up to date.'
        : 'kopf-gen: out of date; run kopf-gen to refresh.',
    );
    return;
  }
  output.out(
    `kopf-gen: ${result.crds} CRDs, ${result.versions} versions; ${writes.size} files written, ${deletions.length} removed; ` +
      `${result.warnings.length} warnings (${Math.round(ms)} ms)`,
  );
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
