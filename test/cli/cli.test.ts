import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../../src/core';
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

describe('coverwatch CLI', () => {
  let store: Store;
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'cw-cli-'));

  beforeAll(async () => {
    store = await freshStore('postgres');
    const s = createServices(store, systemClock, silentLogger());
    await s.tenancy.createOrganisation({ name: 'Cli Org', slug: 'cli-org', kind: 'insured' });
    // freshStore's close drops the database; the CLI reaches the same one through DATABASE_URL.
    const url = (store.where.match(/postgres (.*)$/) ?? [])[1];
    const admin = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
    admin.pathname = `/${url.split('/').pop()}`;
    env = { DATABASE_URL: admin.toString() };
  });
  afterAll(async () => {
    await store?.close();
  });

  it('imports a good file and prints JSON', async () => {
    const f = join(dir, 'good.csv');
    writeFileSync(
      f,
      'name,kind,vendor,product,serial,site\ncam-1,camera,Hikvision,DS,S-1,Plant\nplc-1,plc,Siemens,S7,S-2,Plant\n',
    );
    const r = await cli(['devices', 'import', f, '--org', 'cli-org', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ created: 2, sitesCreated: ['Plant'] });
  });

  it('reports every bad row with line and field, exits 3 and imports nothing', async () => {
    const f = join(dir, 'bad.csv');
    writeFileSync(
      f,
      'name,kind,vendor,product,serial\nok,camera,V,P,S-3\nbad,toaster,V,P,S-4\ndup,camera,V,P,S-1\n',
    );
    const r = await cli(['devices', 'import', f, '--org', 'cli-org'], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/line 3, kind/);
    const exported = await cli(['devices', 'export', '--org', 'cli-org', '--format', 'json'], env);
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout)).toHaveLength(2);
  });

  it('exits 3 on a duplicate serial already in the database', async () => {
    const f = join(dir, 'dup.csv');
    writeFileSync(f, 'name,kind,vendor,product,serial\ncam-again,camera,V,P,S-1\n');
    const r = await cli(['devices', 'import', f, '--org', 'cli-org', '--json'], env);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).error.details[0]).toMatchObject({ line: 2, field: 'serial' });
  });

  it('exits 4 for an unknown organisation and 2 for a usage error', async () => {
    expect((await cli(['devices', 'export', '--org', 'nope'], env)).code).toBe(4);
    expect((await cli(['devices', 'import'], env)).code).toBe(2);
  });

  it('creates a user with a printed password and a token for that user', async () => {
    const u = await cli(
      ['users', 'create', '--org', 'cli-org', '--email', 'ops@cli.example', '--role', 'analyst', '--json'],
      env,
    );
    expect(u.code, u.stderr).toBe(0);
    expect(JSON.parse(u.stdout)).toMatchObject({
      email: 'ops@cli.example',
      role: 'analyst',
      password: expect.any(String),
    });
    const bad = await cli(
      ['users', 'create', '--org', 'cli-org', '--email', 'x@cli.example', '--role', 'underwriter'],
      env,
    );
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/role/);
    const t = await cli(['tokens', 'create', '--email', 'ops@cli.example', '--name', 'ci', '--json'], env);
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(t.stdout).token).toMatch(/^cwt_/);
  });

  it('serve on a taken port prints one line naming the setting and exits 6', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const r = await cli(['serve'], {
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      MQTT_PORT: '0',
      DEMO: 'false',
    });
    blocker.close();
    expect(r.code).toBe(6);
    expect(r.stderr.trim()).toBe(`error: HTTP port ${port} is already in use: set PORT to a free port`);
  });
});
