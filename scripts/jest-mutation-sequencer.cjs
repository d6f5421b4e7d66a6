// Test order for mutation runs: Stryker stops at the first failing test file (bail), so the
// quick example-based files run first, smallest first, and the long property and fuzz files
// last (jest's default runs the slowest first, which makes every killed mutant slow).
const { statSync } = require('node:fs');

const slow = (path) => /(properties|fuzz|pack)\.test\.ts$/.test(path);
const size = (path) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

module.exports = class MutationSequencer {
  sort(tests) {
    return [...tests].sort(
      (a, b) => Number(slow(a.path)) - Number(slow(b.path)) || size(a.path) - size(b.path),
    );
  }
  shard(tests) {
    return tests;
  }
  allFailedTests(tests) {
    return tests;
  }
  cacheResults() {}
};
