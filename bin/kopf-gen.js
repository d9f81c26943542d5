#!/usr/bin/env node
// The `kopf-gen` command: generates a typed operator project from CRD YAMLs. Compiled sources live in dist/.
import { main } from '../dist/generator/cli.js';

process.exitCode = await main(process.argv.slice(2));
