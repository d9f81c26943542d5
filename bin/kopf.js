#!/usr/bin/env node
// The `kopf` command: runs operators (`kopf run`). Compiled sources live in dist/; they are imported only
// after the Node version check, so an old Node gets one clear line instead of a load error.
import { requireSupportedNode } from './node-version.js';

requireSupportedNode('kopf');
const { main } = await import('../dist/runtime/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
