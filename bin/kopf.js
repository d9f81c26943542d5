#!/usr/bin/env node
// The `kopf` command: runs operators (`kopf run`). Compiled sources live in dist/.
import { main } from '../dist/runtime/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
