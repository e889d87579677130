import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../../src/core';
import type { EvidenceBundle } from '../../src/modules/ledger';
import { ledgerEntries } from '../../src/modules/ledger/schema';
import { systemActor } from '../../src/modules/tenancy';
import { createServices } from '../../src/server/services';
import type { Store } from '../../src/store';
import { freshStore } from '../support/harness';
import { repoRoot } from '../support/shared-data';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<Result> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('coverwatch ledger export / verify', () => {
  let store: Store;
  let env: Record<string, string>;
  let verifierKey: string;
  let orgId: string;
  const dir = mkdtempSync(join(tmpdir(), 'cw-ledger-cli-'));
  const bundleFile = join(dir, 'bundle.json');
  const heldFile = join(dir, 'held-checkpoint.txt');
  const slug = `ledger-cli-${Math.random().toString(36).slice(2, 7)}`;

  const writeTampered = (name: string, change: (b: EvidenceBundle) => void) => {
    const b = JSON.parse(readFileSync(bundleFile, 'utf8')) as EvidenceBundle;
    change(b);
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify(b));
    return f;
  };

  beforeAll(async () => {
    store = await freshStore('postgres');
    const s = createServices(store, systemClock, silentLogger());
    s.ledger.setDataDir(dir);
    const org = await s.tenancy.createOrganisation({ name: 'Ledger Cli', slug, kind: 'insured' });
    orgId = org.id;
    const ctx = await s.tenancy.context(systemActor(org.id, 'insured'));
    const device = await s.inventory.createDevice(ctx, {
      name: 'plc-1',
      kind: 'plc',
      vendor: 'Siemens',
      product: 'S7-1200',
      serial: 'S7-1',
      ipAddresses: [],
      macAddresses: [],
      internetExposed: false,
      criticality: 'high',
      safetyCritical: true,
      dataHeld: 'none',
      credentialState: 'default',
      openServices: [],
      updateMechanism: 'manual',
      status: 'active',
    });
    for (const v of ['4.4.0', '4.5.0'])
      await s.inventory.updateDevice(ctx, device.id, { firmwareVersion: v });
    const held = await s.ledger.publishCheckpoint(ctx.scope);
    writeFileSync(heldFile, held.checkpoint);
    await s.inventory.updateDevice(ctx, device.id, { firmwareVersion: '4.6.0', status: 'quarantined' });
    await s.ledger.appendMany(ctx.scope, [
      { type: 'response_action', ref: 'act-1', payload: { action: 'isolate', deviceId: device.id } },
      { type: 'claim_document', ref: 'doc-1', payload: { name: 'invoice.pdf', sha256: 'ab'.repeat(32) } },
    ]);
    verifierKey = s.ledger.verifierKey();
    const url = (store.where.match(/postgres (.*)$/) ?? [])[1];
    const admin = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
    admin.pathname = `/${url.split('/').pop()}`;
    env = { DATABASE_URL: admin.toString(), DATA_DIR: dir };
  });
  afterAll(async () => {
    await store?.close();
  });

  it('exports a bundle that verifies offline against the pinned key and the checkpoint held earlier', async () => {
    const ex = await cli(
      [
        'ledger',
        'export',
        '--org',
        slug,
        '--out',
        bundleFile,
        '--older-size',
        '2',
        '--subject',
        'claim-42',
        '--json',
      ],
      env,
    );
    expect(ex.code, ex.stderr).toBe(0);
    expect(JSON.parse(ex.stdout)).toMatchObject({ entries: 5, verifierKey });
    const keyFile = join(dir, 'ledger.pub');
    writeFileSync(keyFile, `${verifierKey}\n`);
    // Offline: no database in the environment.
    const v = await cli(
      ['ledger', 'verify', '--bundle', bundleFile, '--key-file', keyFile, '--older-checkpoint', heldFile],
      {
        DATABASE_URL: '',
        DATA_DIR: join(dir, 'nowhere'),
      },
    );
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^VERIFIED: coverwatch\.example\/ledger-cli-\w+ size 5/);
    expect(v.stdout).toMatch(/subject: claim-42/);
  });

  it('exits 3 naming the entry whose leaf text was changed by one byte', async () => {
    const f = writeTampered('byte.json', (b) => {
      b.entries[3].entry = b.entries[3].entry.replace('"v":1', '"v":2');
    });
    const v = await cli(['ledger', 'verify', '--bundle', f, '--key', verifierKey, '--json'], {});
    expect(v.code).toBe(3);
    const report = JSON.parse(v.stdout) as {
      ok: boolean;
      failures: Array<{ check: string; entryIndex?: number }>;
    };
    expect(report.ok).toBe(false);
    expect(new Set(report.failures.map((x) => x.entryIndex))).toEqual(new Set([3]));
    expect(report.failures.map((x) => x.check)).toContain('inclusion');
  });

  it('exits 3 naming a changed payload, a dropped entry and two swapped entries', async () => {
    const payload = writeTampered('payload.json', (b) => {
      (b.entries[4].payload as { sha256: string }).sha256 = 'cd'.repeat(32);
    });
    let v = await cli(['ledger', 'verify', '--bundle', payload, '--key', verifierKey], {});
    expect(v.code).toBe(3);
    expect(v.stdout).toMatch(/FAIL payload_hash entry 4 \(position 4\)/);

    const dropped = writeTampered('dropped.json', (b) => {
      b.entries.splice(1, 1);
    });
    v = await cli(['ledger', 'verify', '--bundle', dropped, '--key', verifierKey], {});
    expect(v.code).toBe(3);
    expect(v.stdout).toMatch(/FAIL manifest entry 1: entry 1 \(manifest position 1\) is missing/);

    const swapped = writeTampered('swapped.json', (b) => {
      [b.entries[0], b.entries[2]] = [b.entries[2], b.entries[0]];
    });
    v = await cli(['ledger', 'verify', '--bundle', swapped, '--key', verifierKey], {});
    expect(v.code).toBe(3);
    expect(v.stdout).toMatch(/FAIL manifest entry 0 \(position 2\).*reordered|comes after/);
  });

  it('exits 3 on a bundle signed by another key or an older checkpoint that does not match', async () => {
    const other = await cli(['ledger', 'key'], {
      DATA_DIR: join(dir, 'other'),
      DATABASE_URL: env.DATABASE_URL,
    });
    expect(other.code, other.stderr).toBe(0);
    const v = await cli(['ledger', 'verify', '--bundle', bundleFile, '--key', other.stdout.trim()], {});
    expect(v.code).toBe(3);
    expect(v.stdout).toMatch(/FAIL verifier_key/);
    const wrongHeld = join(dir, 'wrong-held.txt');
    const b = JSON.parse(readFileSync(bundleFile, 'utf8')) as EvidenceBundle;
    writeFileSync(wrongHeld, b.checkpoint);
    const w = await cli(
      ['ledger', 'verify', '--bundle', bundleFile, '--key', verifierKey, '--older-checkpoint', wrongHeld],
      {},
    );
    expect(w.code).toBe(3);
    expect(w.stdout).toMatch(/not from the checkpoint you hold \(size 5/);
  });

  it('refuses to export a log whose stored entry was altered in the database, naming it', async () => {
    const [row] = await store.db
      .select()
      .from(ledgerEntries)
      .where(eq(ledgerEntries.orgId, orgId))
      .orderBy(ledgerEntries.idx)
      .offset(1)
      .limit(1);
    await store.db
      .update(ledgerEntries)
      .set({ entry: row.entry.replace('"v":1', '"v":3') })
      .where(eq(ledgerEntries.id, row.id));
    const ex = await cli(['ledger', 'export', '--org', slug, '--out', join(dir, 'x.json')], env);
    expect(ex.code).toBe(5);
    expect(ex.stderr).toMatch(/entry 1 \(device_change .*\) does not hash to the leaf stored at index 1/);
  });
});
