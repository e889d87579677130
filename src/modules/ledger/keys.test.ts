import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifierKeyOf } from './domain/checkpoint';
import { ledgerKeyPath, loadOrCreateSigner } from './keys';

describe('ledger signing key', () => {
  it('is created once with mode 0600 in DATA_DIR/keys and reloaded unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-keys-'));
    const file = ledgerKeyPath(dir);
    expect(file).toBe(join(dir, 'keys', 'ledger.key'));
    const a = loadOrCreateSigner(file, 'coverwatch.example');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).toMatch(/^PRIVATE\+KEY\+coverwatch\.example\+[0-9a-f]{8}\+/);
    const b = loadOrCreateSigner(file, 'coverwatch.example');
    expect(verifierKeyOf(b)).toBe(verifierKeyOf(a));
  });

  it('tightens a key file copied in with loose permissions, and refuses a corrupt one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-keys-'));
    const file = ledgerKeyPath(dir);
    const a = loadOrCreateSigner(file, 'coverwatch.example');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text, { mode: 0o644 });
    chmodSync(file, 0o644);
    expect(verifierKeyOf(loadOrCreateSigner(file, 'coverwatch.example'))).toBe(verifierKeyOf(a));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, 'PRIVATE+KEY+garbage\n');
    expect(() => loadOrCreateSigner(file, 'coverwatch.example')).toThrow(/unreadable/);
  });
});
