// Fails the integration project at once, with the fix, when the test environment is not up,
// instead of letting every suite time out against a missing engine.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default function checkTestEnv() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const file = process.env.CONDO_TEST_ENV_FILE ?? path.join(root, '.test-env', 'env.json');
  if (!existsSync(file)) {
    throw new Error(
      `Integration tests need the test environment (${file} is missing). ` +
        'Run `sudo scripts/test-env up` first, or run everything with `scripts/test`.',
    );
  }
}
