#!/usr/bin/env node
import { runCli } from './run-cli.js';

const status = await runCli(process.argv.slice(2));
process.exitCode = status;
// Stopped by SIGINT/SIGTERM (130/143): what was left running (a model download that does not
// answer) must not keep the process alive.
if (status === 130 || status === 143) process.exit(status);
