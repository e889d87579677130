import { randomBytes, randomUUID } from 'node:crypto';

/** Row ids are UUIDs: never guessable, never sequential across tenants. */
export const newId = (): string => randomUUID();

/** A URL-safe random secret (API tokens, MQTT passwords); `bytes` of entropy. */
export const newSecret = (bytes = 24): string => randomBytes(bytes).toString('base64url');

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => UUID_RE.test(s);
