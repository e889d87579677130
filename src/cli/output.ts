import { type ErrorKind, isAppError } from '../core';

/** Exit codes a script can branch on (README: CLI). */
export const EXIT: Record<ErrorKind | 'ok' | 'internal' | 'usage', number> = {
  ok: 0,
  internal: 1,
  usage: 2,
  invalid: 3,
  not_found: 4,
  conflict: 5,
  unavailable: 6,
  forbidden: 7,
  unauthenticated: 7,
  rate_limited: 8,
};

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Print an error the way a person (or with --json, a program) can act on, and return the exit code. */
export function reportError(e: unknown, json: boolean): number {
  if (isAppError(e)) {
    if (json) printJson({ error: { kind: e.kind, message: e.message, details: e.details } });
    else {
      process.stderr.write(`error: ${e.message}\n`);
      for (const d of e.details.slice(0, 50)) {
        const where = [
          d.line !== undefined ? `line ${d.line}` : '',
          d.offset !== undefined ? `byte ${d.offset}` : '',
          d.field ?? '',
        ]
          .filter(Boolean)
          .join(', ');
        process.stderr.write(`  ${where ? `${where}: ` : ''}${d.message}\n`);
      }
      if (e.details.length > 50) process.stderr.write(`  ... and ${e.details.length - 50} more\n`);
    }
    return EXIT[e.kind];
  }
  const err = e as Error;
  if (json) printJson({ error: { kind: 'internal', message: err.message } });
  else process.stderr.write(`error: ${err.message}\n${process.env.DEBUG ? `${err.stack}\n` : ''}`);
  return EXIT.internal;
}
