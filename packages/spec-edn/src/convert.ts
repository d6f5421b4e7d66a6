/**
 * EDN -> JSON conversion, as the original condo sent a spec to Docker:
 * keyword keys and values become strings (`:ns/foo` -> "ns/foo"), vectors, lists and sets become
 * arrays (a set's elements sorted by their canonical JSON: a set has no order), chars, big
 * integers (`1N`) and decimals (`1.0M`) become strings, a tagged literal `#tag v` becomes
 * `["tag", v]`, and any other map key becomes its EDN text. Map key order is kept.
 *
 * The result keeps, for every JSON value, the EDN node it came from, so validation can point at
 * the exact line and column.
 */
import { canonicalJson } from './canonical.js';
import { SPEC_ERROR_CODES } from './codes.js';
import type { DiagnosticSink } from './diagnostics.js';
import type { EdnNode } from './reader.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A converted value and where it came from. */
export interface Located {
  node: EdnNode;
  json: Json;
  /** For maps: each converted key, in source order. */
  fields?: Map<string, LocatedField>;
  /** For vectors, lists, sets and tagged values: the converted elements. */
  items?: Located[];
}

export interface LocatedField {
  key: string;
  keyNode: EdnNode;
  value: Located;
}

/** Normalised EDN text of a node (used for non-string map keys and set equality). */
export function ednText(node: EdnNode): string {
  switch (node.kind) {
    case 'nil':
      return 'nil';
    case 'boolean':
      return String(node.value);
    case 'integer':
      return node.big ? `${node.value}N` : String(node.value);
    case 'float':
      return node.decimal ? `${node.text}M` : floatText(node.value);
    case 'string':
      return JSON.stringify(node.value);
    case 'char':
      return node.value.length === 1
        ? `\\u${node.value.charCodeAt(0).toString(16).padStart(4, '0')}`
        : `\\${node.value}`;
    case 'keyword':
      return `:${node.name}`;
    case 'symbol':
      return node.name;
    case 'map':
      return `{${node.entries.map((e) => `${ednText(e.key)} ${ednText(e.value)}`).join(', ')}}`;
    case 'vector':
      return `[${node.items.map(ednText).join(' ')}]`;
    case 'list':
      return `(${node.items.map(ednText).join(' ')})`;
    case 'set':
      // Unordered: equal sets written in another order must give the same text.
      return `#{${sortByText(node.items.map(ednText), (t) => t).join(' ')}}`;
    case 'tagged':
      return `#${node.tag} ${ednText(node.value)}`;
  }
}

function floatText(value: number): string {
  const s = String(value);
  return /[.eE]/.test(s) || !Number.isFinite(value) ? s : `${s}.0`;
}

/** The JSON object key for an EDN map key. */
export function keyString(node: EdnNode): string {
  switch (node.kind) {
    case 'keyword':
    case 'symbol':
      return node.name;
    case 'string':
      return node.value;
    default:
      return ednText(node);
  }
}

/**
 * Converts `node` to JSON, reporting duplicate keys, duplicate set elements and numbers JSON
 * cannot carry to `sink`. `path` names where `node` sits, for messages.
 */
export function convertNode(node: EdnNode, sink: DiagnosticSink, path = ''): Located {
  switch (node.kind) {
    case 'nil':
      return { node, json: null };
    case 'boolean':
      return { node, json: node.value };
    case 'integer': {
      if (node.big) return { node, json: node.value.toString() };
      const n = Number(node.value);
      if (!Number.isSafeInteger(n)) {
        sink.error(SPEC_ERROR_CODES.UNREPRESENTABLE_NUMBER, node.start, {
          message: `the integer ${sink.source(node, 30)} is too large to be sent to Docker exactly`,
          found: sink.source(node, 30),
          expected: `an integer between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}, or a string`,
          path,
        });
      }
      return { node, json: n };
    }
    case 'float': {
      if (node.decimal) return { node, json: node.text };
      if (!Number.isFinite(node.value)) {
        sink.error(SPEC_ERROR_CODES.UNREPRESENTABLE_NUMBER, node.start, {
          message: `the float ${sink.source(node, 30)} is out of range`,
          found: sink.source(node, 30),
          expected: 'a finite float (at most about 1.8e308)',
          path,
        });
        return { node, json: null };
      }
      return { node, json: node.value };
    }
    case 'string':
    case 'char':
      return { node, json: node.value };
    case 'keyword':
    case 'symbol':
      return { node, json: node.name };
    case 'tagged': {
      const tagItem: Located = { node, json: node.tag };
      const value = convertNode(node.value, sink, path);
      return { node, json: [node.tag, value.json], items: [tagItem, value] };
    }
    case 'vector':
    case 'list': {
      const items = node.items.map((item, k) => convertNode(item, sink, `${path}[${k}]`.trim()));
      return { node, json: items.map((l) => l.json), items };
    }
    case 'set': {
      const written = node.items.map((item, k) => convertNode(item, sink, `${path}[${k}]`.trim()));
      reportDuplicateSetElements(node.items, sink, path);
      // A set has no order: the array is sorted by canonical JSON, so reordering a set changes
      // neither the body Docker receives nor the spec hash (which covers exactly that body).
      const items = sortByText(written, (l) => canonicalJson(l.json));
      return { node, json: items.map((l) => l.json), items };
    }
    case 'map': {
      const fields = new Map<string, LocatedField>();
      for (const entry of node.entries) {
        const key = keyString(entry.key);
        const shown = entry.key.kind === 'keyword' ? `:${key}` : JSON.stringify(key);
        const value = convertNode(entry.value, sink, `${path} ${truncateKey(shown)}`.trim());
        const previous = fields.get(key);
        if (previous !== undefined) {
          sink.error(SPEC_ERROR_CODES.DUPLICATE_KEY, entry.key.start, {
            message: `duplicate key ${sink.source(entry.key, 40)}: the same key is already at ${previous.keyNode.start.line}:${previous.keyNode.start.column}`,
            found: sink.source(entry.key, 40),
            expected: 'each key at most once per map',
            path,
          });
          continue;
        }
        fields.set(key, { key, keyNode: entry.key, value });
      }
      // Object.fromEntries defines own properties, so a "__proto__" key stays plain data.
      const json = Object.fromEntries([...fields.values()].map((f) => [f.key, f.value.json]));
      return { node, json, fields };
    }
  }
}

/** Sorts by a text key (UTF-16 code units, like `canonicalJson` sorts object keys); stable. */
function sortByText<T>(values: T[], text: (v: T) => string): T[] {
  const keyed = values.map((v) => ({ v, t: text(v) }));
  keyed.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  return keyed.map((k) => k.v);
}

function truncateKey(shown: string): string {
  return shown.length > 40 ? `${shown.slice(0, 39)}…` : shown;
}

function reportDuplicateSetElements(items: EdnNode[], sink: DiagnosticSink, path: string): void {
  const seen = new Map<string, EdnNode>();
  for (const item of items) {
    const text = ednText(item);
    const previous = seen.get(text);
    if (previous !== undefined) {
      sink.error(SPEC_ERROR_CODES.DUPLICATE_SET_ELEMENT, item.start, {
        message: `duplicate set element ${sink.source(item, 40)}: already at ${previous.start.line}:${previous.start.column}`,
        found: sink.source(item, 40),
        expected: 'each element at most once per set',
        path,
      });
    } else {
      seen.set(text, item);
    }
  }
}
