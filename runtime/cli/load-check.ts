/**
 * A child process of `kopf run --reload`: imports the handler files and modules once, as `kopf run`
 * would, and exits 0 — or 1 with the file and the error on stderr. It connects nowhere, so a file with
 * an error is found before the running handlers are stopped for it.
 *
 *   node load-check.ts '{"files": [...], "modules": [...]}'
 */
import { describeLoadingFailure, LoadingError, loadHandlers } from './loading.ts';

if (import.meta.main) {
  const { files, modules } = JSON.parse(process.argv[2] ?? '{}') as { files?: string[]; modules?: string[] };
  try {
    await loadHandlers(files ?? [], modules ?? []);
    process.exit(0);
  } catch (error) {
    if (!(error instanceof LoadingError)) throw error;
    process.stderr.write(`${error.target}: ${describeLoadingFailure(error)}\n`);
    process.exit(1);
  }
}
