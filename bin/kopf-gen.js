#!/usr/bin/env node
// The `kopf-gen` command: generates a typed operator project from CRD YAMLs. Compiled sources live in
// dist/; they are imported only after the Node version check, so an old Node gets one clear line.
import { requireSupportedNode } from './node-version.js';

requireSupportedNode('kopf-gen');
const { main } = await import('../dist/generator/cli.js');
process.exitCode = await main(process.argv.slice(2));
