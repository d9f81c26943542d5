/**
 * `node:http` without undici. An ESM import of a built-in (`import http from 'node:http'`, named imports
 * alike) builds the module's namespace, which reads every export — and Node 22+'s `http` has lazy
 * `WebSocket`, `CloseEvent` and `MessageEvent` getters that load undici for them: measured, +13.8 MiB
 * RSS for the ESM import vs +3.3 MiB for the same module from `process.getBuiltinModule()`, which returns
 * the exports object and reads nothing. So the runtime takes `node:http`'s values from here (types may
 * still be imported from 'node:http' with `import type`: erased, they load nothing); the ESLint rule
 * `no-restricted-imports` keeps it that way. A user's own ESM import of `node:http` pays it anyway.
 */
export const http = process.getBuiltinModule('node:http');
