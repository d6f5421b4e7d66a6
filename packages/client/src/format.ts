// What `condo status` and `condo events` print: plain text, coloured only when asked.
import type { ContainerSnapshot, ExposedEntry, ServiceSnapshot, StateName } from '@condo/types';
import picocolors from 'picocolors';
import type { CondoEvent } from './client.js';

export type Colors = ReturnType<typeof picocolors.createColors>;

/**
 * Colours on a terminal unless `NO_COLOR` is set (https://no-color.org); `FORCE_COLOR` forces
 * them (`FORCE_COLOR=0` turns them off). `CI` alone does not: CI logs are often read as plain text.
 */
export function useColors(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY && env.TERM !== 'dumb';
}

/** Colour functions that paint when `enabled`, else return their text. */
export function makeColors(enabled: boolean): Colors {
  return picocolors.createColors(enabled);
}

function stateColor(c: Colors, state: StateName, rejected: boolean): (text: string) => string {
  if (rejected || state === 'TryAgain' || state === 'TryAgainNext') return c.red;
  if (state === 'Stable') return c.green;
  return c.yellow;
}

function healthColor(c: Colors, health: string): (text: string) => string {
  if (health === 'healthy') return c.green;
  if (health === 'unhealthy') return c.red;
  if (health === 'starting') return c.yellow;
  return c.dim;
}

/** The image column: the running image, `old -> new` while a new container is being deployed. */
function imageOf(s: ServiceSnapshot): string {
  const current = s.current?.image ?? null;
  const next = s.next?.image ?? null;
  if (current !== null && next !== null && next !== current) return `${current} -> ${next}`;
  return current ?? next ?? '-';
}

function healthOf(container: ContainerSnapshot | null): string {
  return container?.health ?? '-';
}

function lastErrorOf(s: ServiceSnapshot): string {
  const e = s.lastError;
  if (!e) return '';
  const where =
    e.file !== undefined && e.line !== undefined ? ` (${e.file}:${e.line}:${e.column ?? 1})` : '';
  return `${e.code}: ${e.message}${where}`;
}

interface Cell {
  text: string;
  paint?: (text: string) => string;
}

/** Left-aligned columns two spaces apart; the last column is not padded (nor cut). */
function table(header: string[], rows: Cell[][], c: Colors): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.text.length)));
  const line = (cells: Cell[]): string =>
    cells
      .map((cell, i) => {
        const padded = i === cells.length - 1 ? cell.text : cell.text.padEnd(widths[i]!);
        return cell.paint ? cell.paint(padded) : padded;
      })
      .join('  ')
      .trimEnd();
  return (
    [line(header.map((h) => ({ text: h, paint: c.bold }))), ...rows.map(line)].join('\n') + '\n'
  );
}

function serviceCells(name: string, s: ServiceSnapshot, c: Colors): Cell[] {
  const health = healthOf(s.current ?? s.next);
  return [
    { text: name },
    {
      text: s.rejected ? `${s.state} (rejected)` : s.state,
      paint: stateColor(c, s.state, s.rejected),
    },
    { text: imageOf(s) },
    { text: health, paint: healthColor(c, health) },
    { text: lastErrorOf(s), paint: c.red },
  ];
}

/** `condo status`: one row per local service, sorted by name. */
export function formatState(services: Record<string, ServiceSnapshot>, c: Colors): string {
  const names = Object.keys(services).sort();
  if (names.length === 0) return 'no services\n';
  return table(
    ['SERVICE', 'STATE', 'IMAGE', 'HEALTH', 'LAST ERROR'],
    names.map((name) => serviceCells(name, services[name]!, c)),
    c,
  );
}

/** `condo status --fleet`: one row per service and host, sorted by service, then host. */
export function formatFleet(entries: readonly ExposedEntry[], c: Colors): string {
  if (entries.length === 0) return 'no services on any host\n';
  const sorted = [...entries].sort(
    (a, b) => a.service.localeCompare(b.service) || a.host.localeCompare(b.host),
  );
  return table(
    ['SERVICE', 'HOST', 'STATE', 'IMAGE', 'HEALTH', 'LAST ERROR'],
    sorted.map((e) => {
      const [name, ...rest] = serviceCells(e.service, e.snapshot, c);
      return [name!, { text: e.host }, ...rest];
    }),
    c,
  );
}

/** The service an event is about (undefined for the snapshot, which is about all of them). */
export function eventService(event: CondoEvent): string | undefined {
  switch (event.type) {
    case 'snapshot':
      return undefined;
    case 'fleet':
      return event.change.type === 'put' ? event.change.entry.service : event.change.service;
    default:
      return event.service;
  }
}

/**
 * `condo events`: one line per event, `TIME SERVICE what`; the opening snapshot becomes one
 * line per service (only `only`'s when given).
 */
export function formatEvent(event: CondoEvent, at: Date, c: Colors, only?: string): string {
  const time = c.dim(at.toISOString());
  const paintState = (s: ServiceSnapshot): string => stateColor(c, s.state, s.rejected)(s.state);
  switch (event.type) {
    case 'snapshot': {
      const names = Object.keys(event.services)
        .filter((n) => only === undefined || n === only)
        .sort();
      return names
        .map((n) => {
          const s = event.services[n]!;
          return `${time} ${n} ${paintState(s)} ${imageOf(s)} (now)\n`;
        })
        .join('');
    }
    case 'service': {
      const from = event.from ?? 'new';
      const error = event.entry.lastError ? ` ${c.red(lastErrorOf(event.entry))}` : '';
      return `${time} ${event.service} ${from} -> ${paintState(event.entry)} ${imageOf(event.entry)}${error}\n`;
    }
    case 'removed':
      return `${time} ${event.service} removed (was ${event.from})\n`;
    case 'fleet': {
      const change = event.change;
      if (change.type === 'delete') {
        return `${time} ${change.service} gone from instance ${change.instance}\n`;
      }
      const { entry } = change;
      return `${time} ${entry.service} on ${entry.host}: ${paintState(entry.snapshot)} ${imageOf(entry.snapshot)}\n`;
    }
  }
}
