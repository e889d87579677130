import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppError } from '../../core';
import { encodeSignerKey, generateSigner, type NoteSigner, parseSignerKey } from './domain/checkpoint';

/** Where the deployment's ledger signing key lives, under the data folder (never in the database). */
export const ledgerKeyPath = (dataDir: string) => join(dataDir, 'keys', 'ledger.key');

/**
 * Loads the Ed25519 signing key from `file`, or creates it (mode 0600, folder 0700) on first use.
 * The file holds the signer key string in the golang.org/x/mod/sumdb/note format; the key never
 * enters the database or a log line. `wx` creation makes two processes starting together agree on
 * one key: the loser reads the winner's file.
 */
export function loadOrCreateSigner(file: string, keyName: string): NoteSigner {
  const read = (): NoteSigner => {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) chmodSync(file, 0o600); // tighten a key someone copied in with loose permissions
    try {
      return parseSignerKey(readFileSync(file, 'utf8').trim());
    } catch (e) {
      throw new AppError('unavailable', `ledger signing key ${file} is unreadable: ${(e as Error).message}`);
    }
  };
  try {
    return read();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const signer = generateSigner(keyName);
  try {
    writeFileSync(file, `${encodeSignerKey(signer)}\n`, { mode: 0o600, flag: 'wx' });
    return signer;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return read();
    throw e;
  }
}
