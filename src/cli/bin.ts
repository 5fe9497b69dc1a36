#!/usr/bin/env node
// The `cutline` executable: runs the command line and exits with its code.
import { hideBin } from 'yargs/helpers';
import { main } from './main.js';

process.exitCode = await main(hideBin(process.argv));
