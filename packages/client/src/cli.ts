#!/usr/bin/env node
// The condo bin: the only place that touches process.
import { EXIT_CODES, runCondo } from './cli-run.js';

const interrupt = new AbortController();
process.once('SIGINT', () => {
  interrupt.abort();
  // A second Ctrl-C does not wait for anything.
  process.once('SIGINT', () => process.exit(EXIT_CODES.interrupted));
});

runCondo(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  isTTY: process.stdout.isTTY === true,
  signal: interrupt.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `condo: internal error (a bug): ${String((err as Error)?.stack ?? err)}\n`,
    );
    process.exitCode = 70;
  },
);
