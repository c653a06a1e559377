#!/usr/bin/env node
/**
 * The long-running worker process: `node dist/workers/video-worker.js [options]` is
 * `framewise worker [options]`, the entry point of the container image and of process managers.
 */
import { runCli } from '../src/cli/run-cli.js';

process.exitCode = await runCli(['worker', ...process.argv.slice(2)]);
