#!/usr/bin/env node
// The `cutline` executable: runs the command line and exits with its code.
import { hideBin } from 'yargs/helpers';
import { main } from './main.js';

// A reader that stops early (`cutline ... | head`) closes the pipe: stop quietly, as other command-line tools do,
// instead of dying on an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

process.exitCode = await main(hideBin(process.argv));
