#!/usr/bin/env node
// condod's entry point. The daemon is built in issue 7; until then this says so and fails, so that
// the README's first command is already in place and honest.
process.stderr.write(
  'condod: the daemon is not implemented yet (issue 7). ' +
    'The packages it composes are being built first; see README.md.\n',
);
process.exitCode = 1;
