import type { Json } from './convert.js';
import { convertNode } from './convert.js';
import { DiagnosticSink } from './diagnostics.js';
import { SpecInvalidError } from './errors.js';
import { readEdn } from './reader.js';

/**
 * Converts EDN text (one form) to JSON as condo sends a spec to Docker. Throws
 * `SpecInvalidError` when the text is not valid EDN or holds values JSON cannot carry.
 */
export function ednToJson(
  text: string,
  options: { fileName?: string; maxDepth?: number } = {},
): Json {
  const sink = new DiagnosticSink(options.fileName ?? '<input>', text);
  const read = readEdn(text, options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth });
  if (!read.ok) {
    const { code, pos, message, found, expected } = read.issue;
    sink.error(code, pos, { message, found, expected });
    throw new SpecInvalidError(sink.errors);
  }
  const converted = convertNode(read.node, sink);
  if (sink.errors.length > 0) throw new SpecInvalidError(sink.sorted().errors);
  return converted.json;
}
