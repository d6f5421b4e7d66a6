// Check combinators for the container body: a `Check` per JSON shape (string, integer, map,
// vector, one of, struct with typo and misplaced-field warnings), reporting to a diagnostic sink.
import { SPEC_ERROR_CODES, SPEC_WARNING_CODES } from './codes.js';
import type { Located, LocatedField } from './convert.js';
import type { DiagnosticSink } from './diagnostics.js';
import { closest, describe } from './diagnostics.js';
import type { DockerFacts } from './docker-body.js';
import type { EdnNode } from './reader.js';

/** Checks one value at `path`, reporting to `ctx.sink` and noting facts in `ctx.facts`. */
export type Check = (loc: Located, ctx: Ctx, path: string) => void;

export interface Ctx {
  sink: DiagnosticSink;
  facts: DockerFacts;
}

export function found(ctx: Ctx, loc: Located): string {
  return ctx.sink.source(loc.node);
}

export function wrongType(ctx: Ctx, loc: Located, path: string, expected: string, hint = ''): void {
  ctx.sink.error(SPEC_ERROR_CODES.WRONG_TYPE, loc.node.start, {
    message: `${path || 'value'} must be ${expected}, not ${describe(loc.node)}${hint}`,
    found: found(ctx, loc),
    expected,
    path,
  });
}

export function invalid(
  ctx: Ctx,
  node: EdnNode,
  path: string,
  message: string,
  expected: string,
): void {
  ctx.sink.error(SPEC_ERROR_CODES.INVALID_VALUE, node.start, {
    message,
    found: ctx.sink.source(node),
    expected,
    path,
  });
}

export const str: Check = (loc, ctx, path) => {
  if (typeof loc.json !== 'string') wrongType(ctx, loc, path, 'a string');
};
export const bool: Check = (loc, ctx, path) => {
  if (typeof loc.json !== 'boolean') wrongType(ctx, loc, path, 'true or false');
};
export function int(min?: number, hint = ''): Check {
  return (loc, ctx, path) => {
    if (typeof loc.json !== 'number' || !Number.isInteger(loc.json)) {
      wrongType(ctx, loc, path, 'an integer', hint);
    } else if (min !== undefined && loc.json < min) {
      ctx.sink.error(SPEC_ERROR_CODES.OUT_OF_RANGE, loc.node.start, {
        message: `${path} must be at least ${min}${hint}`,
        found: found(ctx, loc),
        expected: `an integer >= ${min}`,
        path,
      });
    }
  };
}
export const anyInt = int();
/** A field Docker knows that condo does not check (known, so never reported as a typo). */
export const pass: Check = () => undefined;
export const strArray: Check = (loc, ctx, path) => {
  if (!Array.isArray(loc.json)) return wrongType(ctx, loc, path, 'a vector of strings');
  (loc.items ?? []).forEach((item, k) => str(item, ctx, `${path}[${k}]`));
};
export const strOrArray: Check = (loc, ctx, path) => {
  if (typeof loc.json === 'string') return;
  if (!Array.isArray(loc.json)) {
    return wrongType(ctx, loc, path, 'a string or a vector of strings');
  }
  (loc.items ?? []).forEach((item, k) => str(item, ctx, `${path}[${k}]`));
};
export const strMap: Check = (loc, ctx, path) => {
  if (loc.fields === undefined) return wrongType(ctx, loc, path, 'a map of strings to strings');
  for (const f of loc.fields.values()) {
    if (f.value.json !== null) str(f.value, ctx, `${path} ${showKey(f)}`);
  }
};
export const anyMap: Check = (loc, ctx, path) => {
  if (loc.fields === undefined) wrongType(ctx, loc, path, 'a map');
};
export function oneOf(values: readonly string[]): Check {
  return (loc, ctx, path) => {
    if (typeof loc.json !== 'string') {
      return wrongType(ctx, loc, path, `one of ${values.map((v) => `"${v}"`).join(', ')}`);
    }
    if (!values.includes(loc.json)) {
      const guess = closest(loc.json, values);
      invalid(
        ctx,
        loc.node,
        path,
        `${path} cannot be ${JSON.stringify(loc.json)}${guess !== undefined ? ` (did you mean "${guess}"?)` : ''}`,
        `one of ${values.map((v) => `"${v}"`).join(', ')}`,
      );
    }
  };
}
export function arrayOf(check: Check, what: string): Check {
  return (loc, ctx, path) => {
    if (!Array.isArray(loc.json)) return wrongType(ctx, loc, path, `a vector of ${what}`);
    (loc.items ?? []).forEach((item, k) => {
      if (item.json !== null) check(item, ctx, `${path}[${k}]`);
    });
  };
}
/** The fields of the other level of the body, for fields written at the wrong one. */
export interface OtherLevel {
  /** Called at check time: the field tables are defined after the structs that use them. */
  fields: () => Record<string, Check>;
  /** What the field is: `a HostConfig field`. */
  what: string;
  /** Where it was written, for the message: `at the top level of :spec`. */
  here: (path: string) => string;
  /** Where it belongs: `:HostConfig :Binds`, `:Env at the top level of :spec`. */
  rightPlace: (key: string, path: string) => string;
}

export function struct(fields: Record<string, Check>, after?: Check, other?: OtherLevel): Check {
  const known = Object.keys(fields);
  return (loc, ctx, path) => {
    if (loc.fields === undefined) return wrongType(ctx, loc, path, 'a map');
    for (const f of loc.fields.values()) {
      const check = Object.hasOwn(fields, f.key) ? fields[f.key] : undefined;
      const fieldPath = `${path} ${showKey(f)}`.trim();
      if (check !== undefined) {
        if (f.value.json !== null) check(f.value, ctx, fieldPath);
        continue;
      }
      const sameCase = known.find((k) => k.toLowerCase() === f.key.toLowerCase());
      if (sameCase !== undefined) {
        ctx.sink.warn(SPEC_WARNING_CODES.DOCKER_KEY_CASE, f.keyNode.start, {
          message: `${ctx.sink.source(f.keyNode)} is not checked by condo: Docker field names are written ${sameCase} (did you mean :${sameCase}?)`,
          found: ctx.sink.source(f.keyNode),
          expected: `:${sameCase}`,
          path: fieldPath,
        });
        continue;
      }
      // A field of the other level is ignored by Docker here (`:Binds` beside `:HostConfig`
      // leaves the volume unmounted): name where it belongs.
      const elsewhere =
        other === undefined
          ? undefined
          : Object.keys(other.fields()).find((k) => k.toLowerCase() === f.key.toLowerCase());
      if (other !== undefined && elsewhere !== undefined) {
        const right = other.rightPlace(elsewhere, path);
        ctx.sink.warn(SPEC_WARNING_CODES.DOCKER_KEY_MISPLACED, f.keyNode.start, {
          message: `${ctx.sink.source(f.keyNode)} is ${other.what}: Docker ignores it ${other.here(path)}, so it has no effect (did you mean ${right}?)`,
          found: ctx.sink.source(f.keyNode),
          expected: right,
          path: fieldPath,
        });
        continue;
      }
      // Unknown fields pass through, but one that looks like a typo of a known field would
      // silently lose that field's setting: say so.
      const guess = f.key.length >= 4 ? closest(f.key, known) : undefined;
      if (guess !== undefined) {
        ctx.sink.warn(SPEC_WARNING_CODES.DOCKER_KEY_TYPO, f.keyNode.start, {
          message: `unknown Docker field ${ctx.sink.source(f.keyNode)} is passed to Docker as is (did you mean :${guess}?)`,
          found: ctx.sink.source(f.keyNode),
          expected: `:${guess}`,
          path: fieldPath,
        });
      }
    }
    after?.(loc, ctx, path);
  };
}

export function showKey(f: LocatedField): string {
  return f.keyNode.kind === 'keyword' ? `:${f.key}` : JSON.stringify(f.key);
}
