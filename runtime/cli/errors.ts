/**
 * The CLI's one top-level error formatter: every failure reaches the user as one `error:` line.
 * Known user errors (bad config, data, provider, run folder, checkpoint, flags) print their message;
 * anything else prints its message plus a pointer to --debug, which shows the stack trace.
 */
import { closestKey } from '../protocol/config-schema';

/** node:util parseArgs errors carry these codes; they are the user's typing, not a bug. */
const PARSE_CODES = ['ERR_PARSE_ARGS_UNKNOWN_OPTION', 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE', 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'];

export function isParseError(e: unknown): boolean {
  return e instanceof Error && PARSE_CODES.includes((e as NodeJS.ErrnoException).code ?? '');
}

/** A parseArgs error as one line, with the closest known flag for an unknown one. */
export function formatParseError(e: Error, knownFlags: string[]): string {
  const first = e.message.split('\n')[0];
  const unknown = /Unknown option '(--?[^']+)'/.exec(first);
  if (unknown) {
    const given = unknown[1].replace(/^-+/, '');
    const hint = closestKey(given, knownFlags);
    return `unknown flag ${unknown[1]}${hint ? ` (did you mean --${hint}?)` : ''}; see helene-studio help`;
  }
  const ambiguous = /Option '(--[\w-]+)[^']*' argument is ambiguous/.exec(first);
  if (ambiguous) return `${ambiguous[1]} needs a value, and the next word starts with "-"; write ${ambiguous[1]}=<value> (e.g. ${ambiguous[1]}=-5)`;
  return first;
}

/** One line for the user; `debug` adds the stack trace. */
export function formatCliError(e: unknown, known: boolean, debug: boolean): string {
  if (!(e instanceof Error)) return `error: ${String(e)}`;
  if (debug) return `error: ${e.stack ?? e.message}`;
  if (known) return `error: ${e.message}`;
  return `error: ${e.message.split('\n')[0]} (an internal error; run with --debug for the stack trace)`;
}
