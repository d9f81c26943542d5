// Checks the running Node against kopf-ts's `engines` before anything else is loaded: on an older Node
// (Debian's and Ubuntu's are 20 or 18) kopf-ts fails later with errors that do not say why.
import { readFileSync } from 'node:fs';

/** Exits with one line saying what to install when this Node is older than package.json's `engines.node`. */
export function requireSupportedNode(command) {
  const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const needed = engines.node.replace(/^>=\s*/, '');
  if (compareVersions(process.versions.node, needed) >= 0) return;
  process.stderr.write(
    `${command}: kopf-ts needs Node >= ${needed}, but this is Node ${process.versions.node} (${process.execPath}); ` +
      'install Node 24 — in a project, `npm install --save-dev node@24` makes npm scripts and npx use it — or see https://nodejs.org/\n',
  );
  process.exit(1);
}

function compareVersions(a, b) {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
