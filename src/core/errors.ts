/** The one error type of CoverWatch. Domain code throws it; src/server maps `kind` to an HTTP status. */
export type ErrorKind =
  | 'not_found'
  | 'invalid'
  | 'forbidden'
  | 'unauthenticated'
  | 'conflict'
  | 'unavailable'
  | 'rate_limited';

export interface ErrorDetail {
  /** Where the problem is: a field path ("devices[3].vendor"), a row ("line 12"), a byte offset. */
  path?: string;
  line?: number;
  offset?: number;
  field?: string;
  message: string;
}

export class AppError extends Error {
  readonly kind: ErrorKind;
  readonly details: ErrorDetail[];

  constructor(kind: ErrorKind, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = 'AppError';
    this.kind = kind;
    this.details = details;
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const invalid = (message: string, details: ErrorDetail[] = []) =>
  new AppError('invalid', message, details);
export const forbidden = (message = 'not allowed') => new AppError('forbidden', message);
export const conflict = (message: string, details: ErrorDetail[] = []) =>
  new AppError('conflict', message, details);

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
