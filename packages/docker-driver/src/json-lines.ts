/**
 * Splits a Docker JSON progress or event stream into objects. Chunks may cut a line anywhere, and
 * may hold several lines; a line that is not JSON is handed back as `{ unparsed: line }` so that
 * nothing the engine says is silently dropped.
 */
export class JsonLineParser {
  #buffer = '';

  push(chunk: Buffer | string): unknown[] {
    this.#buffer += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const lines = this.#buffer.split('\n');
    this.#buffer = lines.pop() ?? '';
    return lines.flatMap(parseLine);
  }

  /** Whatever is left once the stream ended. */
  end(): unknown[] {
    const rest = this.#buffer;
    this.#buffer = '';
    return parseLine(rest);
  }
}

function parseLine(line: string): unknown[] {
  const text = line.trim();
  if (text === '') return [];
  try {
    return [JSON.parse(text)];
  } catch {
    return [{ unparsed: text }];
  }
}
