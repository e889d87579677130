import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  digestToCveRecord,
  type IotDigest,
} from '../../src/modules/vulnerabilities/domain/iot-digest.test-support';
import { repoRoot, sharedData } from '../support/shared-data';

const kevPath = sharedData('vuln/kev.json');
const iotPath = sharedData('vuln/iot-cves.json');

function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
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

describe.skipIf(!kevPath || !iotPath)('coverwatch assess (offline)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-assess-'));
  const feeds = join(dir, 'feeds');
  mkdirSync(join(feeds, 'cves', '2024', '8xxx'), { recursive: true });
  const digests = JSON.parse(readFileSync(iotPath ?? '/dev/null', 'utf8') || '[]') as IotDigest[];
  // One record in the cvelistV5 layout, the rest as one array file: both forms are read.
  const ptz = digests.find((d) => d.cveId === 'CVE-2024-8956');
  if (ptz)
    writeFileSync(
      join(feeds, 'cves', '2024', '8xxx', 'CVE-2024-8956.json'),
      JSON.stringify(digestToCveRecord(ptz)),
    );
  writeFileSync(
    join(feeds, 'records.json'),
    JSON.stringify(digests.filter((d) => d !== ptz).map(digestToCveRecord)),
  );
  if (kevPath) copyFileSync(kevPath, join(feeds, 'kev.json'));
  writeFileSync(join(feeds, 'README.txt'), 'not a feed');
  const inventory = join(dir, 'devices.csv');
  writeFileSync(
    inventory,
    [
      'name,kind,vendor,product,firmwareVersion,serial,credentialState,openServices,internetExposed',
      'ptz-1,camera,PTZOptics,PT30X-NDI,6.3.34,PTZ-1,default,23/tcp:telnet,false',
      'ptz-2,camera,PTZOptics,PT30X-NDI,6.3.40,PTZ-2,unique,,false',
      'door-1,door_controller,Acme,Door 9,1.0,DOOR-1,unique,,false',
    ].join('\n'),
  );

  it('prints findings, baseline results and scores as JSON', async () => {
    const r = await cli([
      'assess',
      '--inventory',
      inventory,
      '--feeds',
      feeds,
      '--baseline',
      'uk-psti',
      '--as-of',
      '2026-11-01T00:00:00Z',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.feeds.kevEntries).toBe(1404);
    expect(out.feeds.cveRecords).toBe(digests.length);
    expect(out.feeds.skipped.map((s: { path: string }) => s.path)).toEqual(['README.txt']);
    const cve = (id: string) =>
      out.findings.filter(
        (f: { cveId?: string; deviceId: string }) => f.cveId === 'CVE-2024-8956' && f.deviceId === id,
      );
    expect(cve('PTZ-1')).toHaveLength(1);
    expect(cve('PTZ-1')[0].status).toBe('affected');
    expect(cve('PTZ-2')).toHaveLength(0);
    expect(
      out.findings.some(
        (f: { id?: string; deviceId: string }) => f.id === 'CFG-TELNET-OPEN' && f.deviceId === 'PTZ-1',
      ),
    ).toBe(true);
    const score = (id: string) => out.devices.find((d: { id: string }) => d.id === id).score;
    expect(score('PTZ-1')).toBeGreaterThan(score('PTZ-2'));
    expect(out.risk.score).toBeGreaterThan(0);
    expect(out.baseline.baselineId).toBe('uk-psti');
    expect(out.baseline.deviceCount).toBe(3);
  }, 60_000);

  it('a bad inventory row is named with its line and exits 3', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'name,kind,vendor,product\nx,toaster,V,P\n');
    const r = await cli(['assess', '--inventory', bad, '--feeds', feeds]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/line 2/);
  }, 60_000);

  it('feeds sync fails with a clear offline error and exit 6 when the network is closed', async () => {
    const r = await cli(['feeds', 'sync', '--timeout', '5'], { DATA_DIR: join(dir, 'data') });
    if (r.code === 0) {
      console.warn('skipping the offline check: the network is open here');
      return;
    }
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/offline \/ cannot reach https:\/\/www\.cisa\.gov/);
  }, 60_000);
});
