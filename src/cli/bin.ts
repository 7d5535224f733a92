#!/usr/bin/env node
// Entry point of the `gazette` executable: the only place that calls process.exit.
import { main } from './main.js';

process.exit(await main(process.argv.slice(2)));
