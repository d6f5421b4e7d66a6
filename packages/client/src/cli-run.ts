// The `condo` program without the process: arguments and environment in, text and an exit code out.
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import yargs from 'yargs';
import { createClient } from './client.js';
import type { CondoClient, CondoEvent } from './client.js';
import { CondoClientError } from './errors.js';
import {
  eventService,
  formatEvent,
  formatFleet,
  formatState,
  makeColors,
  useColors,
} from './format.js';
import type { Colors } from './format.js';

/** `condo`'s exit codes. */
export const EXIT_CODES = {
  /** Done; for `wait`: the service is Stable as asked. */
  ok: 0,
  /** `wait`: the timeout passed first. */
  timeout: 1,
  /** Bad command line (unknown option, missing argument, bad address) or parameters condod refused. */
  usage: 2,
  /** `wait --hash`: that revision was rejected after `:max-attempts` failures. */
  rejected: 3,
  /** condod could not be reached at the address, or its event stream broke. */
  unreachable: 4,
  /** condod answered with an error: bad token, exposure off, store unavailable, ... */
  failed: 5,
  /** `wait` interrupted (Ctrl-C). */
  interrupted: 130,
} as const;

export const DEFAULT_ADDR = 'http://127.0.0.1:8080';
export const DEFAULT_WAIT_TIMEOUT_S = 300;

/** How the program meets the world; the bin passes the process's. */
export interface CondoIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Whether standard output is a terminal (colours). */
  isTTY: boolean;
  /** Aborted on Ctrl-C: `events` ends (exit 0), `wait` ends with 130. */
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Pause between reconnections of `events`, ms (the server asks for 2000). */
  reconnectMs?: number;
}

const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

class UsageError extends Error {}

/** What the command line parses to, for every command. */
interface ParsedArgs {
  _: Array<string | number>;
  help?: boolean;
  version?: boolean;
  addr?: string | undefined;
  token?: string | undefined;
  name?: string | undefined;
  image?: string | undefined;
  hash?: string | undefined;
  timeout: number;
  fleet: boolean;
  json: boolean;
}

const EPILOGUE = `Exit codes: 0 ok, 1 wait timed out, 2 usage error, 3 wait rejected, 4 condod unreachable, 5 condod answered an error.`;

function parser(argv: string[]) {
  return (
    yargs(argv)
      .scriptName('condo')
      .usage(
        '$0 <command> [options]\n\nAsks a running condod (its --server HTTP API) about its services.',
      )
      .option('addr', {
        requiresArg: true,
        type: 'string',
        global: true,
        describe: `condod's API address, http://HOST:PORT or HOST:PORT (default: $CONDO_ADDR, else ${DEFAULT_ADDR})`,
      })
      .option('token', {
        requiresArg: true,
        type: 'string',
        global: true,
        describe:
          "condod's --api-token (default: $CONDO_TOKEN, which, unlike an argument, other users cannot read with ps)",
      })
      .command('status', 'Print every service: state, image, health, last error', (y) =>
        y
          .usage(
            '$0 status [--fleet] [--json]\n\nPrints every service: state, image, health, last error.',
          )
          .option('fleet', {
            type: 'boolean',
            default: false,
            describe: 'Every host of the fleet (condod must run with -e consul|etcd)',
          })
          .option('json', {
            type: 'boolean',
            default: false,
            describe: 'Print the API answer as JSON (/v1/state, or /v1/global_state with --fleet)',
          }),
      )
      .command(
        'wait <name>',
        'Wait until a service is Stable with an image or spec revision',
        (y) =>
          y
            .usage(
              '$0 wait NAME (--image I | --hash H) [--timeout S] [--fleet]\n\nWaits until service NAME is Stable with exactly image I (or spec revision H) on every host that reports it.',
            )
            .positional('name', {
              type: 'string',
              demandOption: true,
              describe: 'The service (its spec file name without .edn)',
            })
            .option('image', {
              type: 'string',
              requiresArg: true,
              describe: 'The exact image string of the spec',
            })
            .option('hash', {
              requiresArg: true,
              type: 'string',
              describe: 'A spec revision (specHash in condo status --json)',
            })
            .conflicts('image', 'hash')
            .option('timeout', {
              requiresArg: true,
              type: 'number',
              default: DEFAULT_WAIT_TIMEOUT_S,
              describe: 'Seconds to wait, a whole number',
            })
            .option('fleet', {
              type: 'boolean',
              default: false,
              describe:
                'Require the fleet view: exit 5 if condod runs without -e consul|etcd (with it, every host reporting NAME counts anyway)',
            }),
      )
      .command('events [name]', 'Print every state change, one line each, until Ctrl-C', (y) =>
        y
          .usage(
            '$0 events [NAME] [--json]\n\nPrints every state change (of service NAME only, when given), one line each, until Ctrl-C.',
          )
          .positional('name', { type: 'string', describe: 'Only this service' })
          .option('json', {
            type: 'boolean',
            default: false,
            describe: 'One JSON object per line',
          }),
      )
      .demandCommand(1, 'Give a command: status, wait or events')
      // An option given twice takes the last value, not an array.
      .parserConfiguration({ 'duplicate-arguments-array': false })
      .strict()
      .version(version)
      .help()
      .epilogue(EPILOGUE)
      .exitProcess(false)
      .fail((msg, err) => {
        throw new UsageError(msg || err?.message || 'bad usage');
      })
  );
}

function describeError(error: CondoClientError): string {
  const hint = error.hint === undefined ? '' : `\n  hint: ${error.hint}`;
  return `${error.message} (${error.code})${hint}\n`;
}

/** The exit code for a failed call. */
function exitFor(error: CondoClientError): number {
  if (error.code === 'ERR_CONDO_CLIENT_UNREACHABLE') return EXIT_CODES.unreachable;
  if (
    error.code === 'ERR_CONDO_CLIENT_BAD_ADDR' ||
    error.code === 'ERR_CONDO_CLIENT_BAD_ARGUMENT' ||
    error.code === 'ERR_CONDO_API_MISSING_PARAM' ||
    error.code === 'ERR_CONDO_API_BAD_PARAM'
  ) {
    return EXIT_CODES.usage;
  }
  return EXIT_CODES.failed;
}

async function status(
  client: CondoClient,
  args: { fleet: boolean; json: boolean },
  io: CondoIo,
  c: Colors,
) {
  if (args.fleet) {
    const entries = await client.globalState({ signal: io.signal });
    io.stdout(args.json ? `${JSON.stringify(entries, null, 2)}\n` : formatFleet(entries, c));
  } else {
    const services = await client.state({ signal: io.signal });
    io.stdout(args.json ? `${JSON.stringify(services, null, 2)}\n` : formatState(services, c));
  }
  return EXIT_CODES.ok;
}

async function wait(
  client: CondoClient,
  { name = '', ...args }: ParsedArgs,
  io: CondoIo,
): Promise<number> {
  if (args.image === undefined && args.hash === undefined) {
    throw new UsageError('Give --image I or --hash H');
  }
  if (!Number.isInteger(args.timeout) || args.timeout < 1) {
    throw new UsageError(
      `--timeout must be a whole number of seconds, at least 1, not ${args.timeout}`,
    );
  }
  if (args.fleet) {
    // wait_for covers the fleet whenever condod exposes it; --fleet makes sure it does.
    await client.globalState({ signal: io.signal }).catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== 'ERR_CONDO_API_STORE_UNAVAILABLE') throw error;
    });
  }
  const target =
    args.image !== undefined ? { name, image: args.image } : { name, hash: args.hash! };
  const outcome = await client.waitFor({ ...target, timeoutS: args.timeout, signal: io.signal });
  const what = args.image !== undefined ? `image ${args.image}` : `revision ${args.hash}`;
  switch (outcome.status) {
    case 'ok':
      io.stdout(`${name} is Stable with ${what}\n`);
      return EXIT_CODES.ok;
    case 'timeout':
      io.stderr(`condo: ${name} was not Stable with ${what} after ${args.timeout} s\n`);
      return EXIT_CODES.timeout;
    case 'rejected':
      io.stderr(`condo: ${name}: ${what} was rejected after :max-attempts failures\n`);
      return EXIT_CODES.rejected;
    case 'unavailable':
      io.stderr(
        `condo: the fleet's state store could not be read before the timeout (${args.timeout} s), so ${name} is not known to be Stable\n`,
      );
      return EXIT_CODES.failed;
  }
}

async function events(
  client: CondoClient,
  args: { name?: string | undefined; json: boolean },
  io: CondoIo,
  c: Colors,
): Promise<number> {
  const print = (event: CondoEvent): void => {
    if (event.type !== 'snapshot' && args.name !== undefined && eventService(event) !== args.name)
      return;
    if (!args.json) {
      io.stdout(formatEvent(event, new Date(), c, args.name));
      return;
    }
    if (event.type === 'snapshot' && args.name !== undefined) {
      const services = Object.fromEntries(
        Object.entries(event.services).filter(([name]) => name === args.name),
      );
      io.stdout(`${JSON.stringify({ ...event, services })}\n`);
      return;
    }
    io.stdout(`${JSON.stringify(event)}\n`);
  };
  // Every connection starts with a full snapshot, so reconnecting loses nothing; only a first
  // connection that fails ends the command.
  let connected = false;
  for (;;) {
    try {
      for await (const event of client.events({ signal: io.signal })) {
        connected = true;
        print(event);
      }
      if (io.signal?.aborted) return EXIT_CODES.ok;
      io.stderr(`condo: condod at ${client.addr} ended the event stream; reconnecting\n`);
    } catch (error) {
      if (
        !connected ||
        !(error instanceof CondoClientError) ||
        exitFor(error) !== EXIT_CODES.unreachable
      ) {
        throw error;
      }
      io.stderr(`condo: ${error.message}; reconnecting\n`);
    }
    await sleep(io.reconnectMs ?? 2000, undefined, { signal: io.signal }).catch(() => {});
    if (io.signal?.aborted) return EXIT_CODES.ok;
  }
}

/** Runs `condo ARGV...` and resolves with its exit code (`EXIT_CODES`); never rejects for bad input. */
export async function runCondo(argv: string[], io: CondoIo): Promise<number> {
  let args: ParsedArgs;
  let output = '';
  try {
    // The builders' options are not in the parsed type yargs infers for the commands.
    args = (await parser(argv).parseAsync(argv, {}, (_err, _argv, text) => {
      output = text;
    })) as unknown as ParsedArgs;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`condo: ${error.message}\nRun condo --help for usage.\n`);
    return EXIT_CODES.usage;
  }
  if (args.help || args.version) {
    io.stdout(output.endsWith('\n') ? output : `${output}\n`);
    return EXIT_CODES.ok;
  }
  const colors = makeColors(useColors(io.env, io.isTTY));
  try {
    const client = createClient({
      // An empty variable counts as unset.
      addr: args.addr ?? (io.env.CONDO_ADDR || DEFAULT_ADDR),
      token: args.token ?? (io.env.CONDO_TOKEN || undefined),
      fetch: io.fetch,
    });
    switch (args._[0]) {
      case 'status':
        return await status(client, args, io, colors);
      case 'wait':
        return await wait(client, args, io);
      default:
        return await events(client, args, io, colors);
    }
  } catch (error) {
    if (io.signal?.aborted) return EXIT_CODES.interrupted;
    if (error instanceof UsageError) {
      io.stderr(`condo: ${error.message}\nRun condo --help for usage.\n`);
      return EXIT_CODES.usage;
    }
    if (!(error instanceof CondoClientError)) throw error;
    io.stderr(`condo: ${describeError(error)}`);
    return exitFor(error);
  }
}
