// Jest reporter: prints, after the run, what tests handed to `showInTestOutput` (@condo/test-utils),
// one JSON record per figure in a directory of this run, passed to the workers in the environment.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ENV = 'CONDO_TEST_OUTPUT_DIR';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export default class TestOutputReporter {
  #dir = path.join(root, 'test-artifacts', 'test-output', `run-${process.pid}-${Date.now()}`);

  // Before any worker starts: workers (and in-band tests) inherit the variable.
  onRunStart() {
    mkdirSync(this.#dir, { recursive: true });
    process.env[ENV] = this.#dir;
  }

  onRunComplete() {
    let files = [];
    try {
      files = readdirSync(this.#dir)
        .filter((f) => f.endsWith('.json'))
        .sort();
    } catch {
      return;
    }
    const blocks = files.map((f) => {
      const { title, text } = JSON.parse(readFileSync(path.join(this.#dir, f), 'utf8'));
      return `\n${title}\n${text}\n`;
    });
    if (blocks.length > 0) process.stderr.write(`\nTest output:\n${blocks.join('')}\n`);
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
