#!/usr/bin/env node
// The condo-lint bin: the only place that touches process.
import { runLint } from './cli-run.js';

runLint(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `condo-lint: internal error (a bug): ${String((err as Error)?.stack ?? err)}\n`,
    );
    process.exitCode = 2;
  },
);
