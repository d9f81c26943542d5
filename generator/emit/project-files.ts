/** The project scaffold: package.json, tsconfig.json, tsconfig.build.json, .gitignore, Dockerfile. Written once, then the user's. */

export interface PackageSettings {
  readonly name: string;
  /** npm spec of the kopf-ts dependency, e.g. `^0.1.0` or `file:../..`. */
  readonly kopfTs: string;
  readonly typescriptVersion: string;
  readonly nodeTypesVersion: string;
  /** The `node` package kopf-ts itself pins: it brings Node 24 to npm scripts, whatever Node the machine has. */
  readonly nodeVersion: string;
  /** The one namespace served; null for a cluster-wide operator. */
  readonly namespace: string | null;
}

export function packageJson(settings: PackageSettings): Record<string, unknown> {
  return {
    name: settings.name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: '>=24' },
    scripts: {
      // The scope is explicit, as in deploy/deployment.yaml: `kopf run` warns when it is not.
      start: `kopf run src/operator.ts ${settings.namespace === null ? '--all-namespaces' : `--namespace=${settings.namespace}`}`,
      // What the image runs: the compiled operator (dist/operator.js); `npm start` runs the sources.
      build: 'tsc -p tsconfig.build.json',
      typecheck: 'tsc -p tsconfig.json',
      test: "tsc -p tsconfig.json && node --test 'test/**/*.test.ts'",
    },
    dependencies: { 'kopf-ts': settings.kopfTs },
    devDependencies: {
      '@types/node': settings.nodeTypesVersion,
      node: settings.nodeVersion,
      typescript: settings.typescriptVersion,
    },
    // npm runs a dependency's install scripts only when allowed: `node` downloads the Node binary in one.
    allowScripts: { node: true },
  };
}

export function tsconfigJson(): string {
  return (
    JSON.stringify(
      {
        compilerOptions: {
          target: 'es2023',
          lib: ['es2023'],
          module: 'nodenext',
          moduleResolution: 'nodenext',
          types: ['node'],
          strict: true,
          noUncheckedIndexedAccess: true,
          verbatimModuleSyntax: true,
          erasableSyntaxOnly: true,
          allowImportingTsExtensions: true,
          rewriteRelativeImportExtensions: true,
          isolatedModules: true,
          skipLibCheck: true,
          noEmit: true,
        },
        include: ['src', 'test'],
      },
      null,
      2,
    ) + '\n'
  );
}

export const GITIGNORE = 'node_modules/\ndist/\n*.tsbuildinfo\n';

export const DOCKERIGNORE = 'node_modules\n.git\ndeploy\n*.md\n';

/**
 * What `tsc` compiles for the image: src/ into dist/ (dist/operator.js). The editor's and the tests'
 * tsconfig.json stays emit-free; this one only turns emitting on for src/.
 */
export function tsconfigBuildJson(): string {
  return (
    JSON.stringify(
      {
        extends: './tsconfig.json',
        compilerOptions: { noEmit: false, rootDir: 'src', outDir: 'dist' },
        include: ['src'],
      },
      null,
      2,
    ) + '\n'
  );
}

/** `vendoredKopfTs`: package.json depends on the kopf-ts tarball in vendor/, which `npm ci` needs. */
export function dockerfile(vendoredKopfTs: boolean): string {
  const vendor = vendoredKopfTs ? 'COPY vendor ./vendor\n' : '';
  return `# Multi-stage: the TypeScript sources are compiled with tsc in a build stage and the image runs the
# compiled JavaScript: Node's type stripping of .ts files costs every operator process ~15 MiB of RSS
# (kopf-ts's docs/deployment.md). Dependencies are installed without dev (and optional) dependencies in
# another throw-away stage, and the final image holds only node_modules and dist/. kopf-ts's only optional
# dependency is ts-morph, which kopf-gen needs and operators do not.

FROM docker.io/library/node:24-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json* ./
${vendor}RUN if [ -f package-lock.json ]; then npm ci --omit=dev --omit=optional; else npm install --omit=dev --omit=optional; fi

FROM docker.io/library/node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json* ./
# --ignore-scripts: the \`node\` dev dependency would download a second Node; the image's Node runs tsc.
${vendor}RUN if [ -f package-lock.json ]; then npm ci --omit=optional --ignore-scripts; else npm install --omit=optional --ignore-scripts; fi
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

FROM docker.io/library/node:24-slim
ENV NODE_ENV=production
# A 1,000-object burst grows Node 24's young generation to 128 MiB; capped at 2 × 16 MiB, the burst's peak
# RSS was ~20 % lower (kopf-ts's docs/benchmarks.md). Idle memory is given back by the runtime itself.
ENV NODE_OPTIONS=--max-semi-space-size=16
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
# The image's unprivileged \`node\` user (uid 1000).
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node_modules/.bin/kopf", "run", "dist/operator.js", "--liveness", "http://0.0.0.0:8080/healthz"]
`;
}
