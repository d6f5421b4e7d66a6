// The package must stay pure: no runtime dependency but the shared vocabulary (@condo/types,
// itself without dependencies or imports), no I/O module, and no clock or randomness outside the
// reference interpreter (which only uses the clock it is given).
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from '@jest/globals';

const root = fileURLToPath(new URL('..', import.meta.url));
const INTERPRETER = 'interpreter.ts';
/** The one package it may import: the shared vocabulary, which has no I/O and no dependencies. */
const VOCABULARY = '@condo/types';
const vocabularyRoot = fileURLToPath(new URL('../../types/', import.meta.url));

const IO_MODULES = [
  'node:',
  'fs',
  'fs/promises',
  'path',
  'os',
  'child_process',
  'net',
  'http',
  'https',
  'http2',
  'dgram',
  'dns',
  'tls',
  'worker_threads',
  'cluster',
  'dockerode',
  'docker-modem',
  'better-sqlite3',
  'consul',
  'etcd3',
  'express',
  'chokidar',
];

function sources(dir = root): { file: string; text: string }[] {
  return readdirSync(`${dir}src`, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.test-helper.ts'))
    .map((f) => ({ file: f, text: readFileSync(`${dir}src/${f}`, 'utf8') }));
}

function imports(text: string): string[] {
  const found: string[] = [];
  const re =
    /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) found.push(m[1] ?? m[2] ?? m[3] ?? '');
  return found;
}

describe('no I/O', () => {
  it('has no runtime dependency but the shared vocabulary, which has none', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(pkg['dependencies'] ?? {})).toEqual([VOCABULARY]);
    const vocabulary = JSON.parse(readFileSync(`${vocabularyRoot}package.json`, 'utf8')) as Record<
      string,
      unknown
    >;
    expect(vocabulary['name']).toBe(VOCABULARY);
    expect(vocabulary['dependencies'] ?? {}).toEqual({});
    expect(pkg['peerDependencies'] ?? {}).toEqual({});
    expect(pkg['optionalDependencies'] ?? {}).toEqual({});
  });

  it('imports only its own modules', () => {
    const files = sources();
    expect(files.map((f) => f.file)).toContain('machine.ts');
    for (const { file, text } of files) {
      for (const spec of imports(text)) {
        const io = IO_MODULES.some(
          (m) => spec === m || spec.startsWith(m.endsWith(':') ? m : `${m}/`),
        );
        const allowed = spec.startsWith('./') || spec === VOCABULARY;
        expect({ file, spec, io, allowed }).toEqual({ file, spec, io: false, allowed: true });
      }
    }
    // The vocabulary imports only its own modules.
    for (const { file, text } of sources(vocabularyRoot)) {
      for (const spec of imports(text)) {
        expect({ file, spec, relative: spec.startsWith('./') }).toEqual({
          file,
          spec,
          relative: true,
        });
      }
    }
  });

  it('reads no clock and draws no random numbers outside the interpreter', () => {
    const banned = [
      /\bDate\.now\b/,
      /\bnew Date\(/,
      /\bMath\.random\b/,
      /\bperformance\.now\b/,
      /\bprocess\./,
      /\bcrypto\./,
      /(?<![.\w])setTimeout\(/,
      /(?<![.\w])setInterval\(/,
      /(?<![.\w])setImmediate\(/,
    ];
    const timers = banned.slice(-3);
    const files = [
      ...sources().map((f) => ({ ...f, declaresClock: f.file === INTERPRETER })),
      ...sources(vocabularyRoot).map((f) => ({ ...f, declaresClock: f.file === 'clock.ts' })),
    ];
    for (const { file, text, declaresClock } of files) {
      const code = text.replace(/\/\/.*$/gm, '');
      for (const re of banned) {
        // The interpreter calls the injected `Clock`'s timers and the vocabulary declares that
        // interface; even they read no global clock and draw no random numbers.
        if (declaresClock && timers.includes(re)) continue;
        expect({ file, pattern: String(re), found: re.test(code) }).toEqual({
          file,
          pattern: String(re),
          found: false,
        });
      }
    }
    expect(sources().map((f) => f.file)).toContain(INTERPRETER);
  });

  it('catches a forbidden import (the check itself can fail)', () => {
    expect(
      imports("import { readFile } from 'node:fs';\nimport type { X } from './x.js';"),
    ).toEqual(['node:fs', './x.js']);
  });
});
