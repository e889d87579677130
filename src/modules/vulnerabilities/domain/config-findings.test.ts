import { describe, expect, it } from 'vitest';
import { configurationFindings } from './config-findings';
import type { AssessedDevice } from './device';

const clean: AssessedDevice = {
  id: 'dev-1',
  name: 'Lobby camera',
  kind: 'camera',
  vendor: 'Hikvision',
  product: 'DS-2CD2142FWD-I',
  model: null,
  firmwareVersion: '5.5.0',
  internetExposed: false,
  networkSegment: 'iot',
  segmentedFromOffice: true,
  criticality: 'medium',
  safetyCritical: false,
  dataHeld: 'personal',
  credentialState: 'unique',
  openServices: [{ port: 443, protocol: 'tcp', service: 'https' }],
  supportEndDate: '2030-01-01',
  secureBoot: true,
  encryptedTransport: true,
  updateMechanism: 'automatic',
  status: 'active',
};
const ids = (d: Partial<AssessedDevice>, asOf = '2026-11-25') =>
  configurationFindings({ ...clean, ...d }, asOf).map((f) => f.id);

describe('configurationFindings', () => {
  it('a clean device has none; unknown facts decide nothing', () => {
    expect(ids({})).toEqual([]);
    expect(
      ids({
        credentialState: 'unknown',
        secureBoot: null,
        encryptedTransport: null,
        segmentedFromOffice: null,
        supportEndDate: null,
      }),
    ).toEqual([]);
  });

  it('flags default and shared credentials with the deciding fact', () => {
    const [f] = configurationFindings(
      { ...clean, credentialState: 'default', internetExposed: true },
      '2026-11-25',
    );
    expect(f).toMatchObject({
      id: 'CFG-DEFAULT-CREDENTIALS',
      severity: 'critical',
      fact: { name: 'credentialState', value: 'default' },
    });
    expect(f.reference).toContain('5.1-1');
    expect(ids({ credentialState: 'shared' })).toEqual(['CFG-SHARED-CREDENTIALS']);
  });

  it('flags telnet on 23 and 2323, FTP and plain HTTP, internal or not', () => {
    expect(ids({ openServices: [{ port: 2323, protocol: 'tcp', service: null }] })).toEqual([
      'CFG-TELNET-OPEN',
    ]);
    expect(
      ids({
        openServices: [
          { port: 21, protocol: 'tcp', service: null },
          { port: 8080, protocol: 'tcp', service: null },
        ],
      }),
    ).toEqual(['CFG-FTP-OPEN', 'CFG-HTTP-UNENCRYPTED']);
    // 23/udp is not telnet.
    expect(ids({ openServices: [{ port: 23, protocol: 'udp', service: null }] })).toEqual([]);
  });

  it('flags UPnP and management interfaces only when internet-exposed; ICS protocols are critical', () => {
    const svcs = [
      { port: 1900, protocol: 'udp' as const, service: null },
      { port: 502, protocol: 'tcp' as const, service: null },
    ];
    expect(ids({ openServices: svcs })).toEqual([]);
    const fs = configurationFindings({ ...clean, openServices: svcs, internetExposed: true }, '2026-11-25');
    expect(fs.map((f) => f.id)).toEqual(['CFG-UPNP-INTERNET', 'CFG-MGMT-INTERNET']);
    expect(fs[1].severity).toBe('critical');
    expect(fs[1].title).toContain('502/tcp');
    const ssh = configurationFindings(
      { ...clean, openServices: [{ port: 22, protocol: 'tcp', service: null }], internetExposed: true },
      '2026-11-25',
    );
    expect(ssh.map((f) => [f.id, f.severity])).toEqual([['CFG-MGMT-INTERNET', 'high']]);
  });

  it('uses the injected date for support end', () => {
    expect(ids({ supportEndDate: '2026-11-24' }, '2026-11-25')).toEqual(['CFG-PAST-SUPPORT-END']);
    expect(ids({ supportEndDate: '2026-11-25' }, '2026-11-25')).toEqual([]);
    expect(ids({ supportEndDate: '2026-11-24' }, '2026-01-01')).toEqual([]);
  });

  it('flags missing secure boot, encryption and segmentation; safety-critical raises severity', () => {
    expect(ids({ secureBoot: false, encryptedTransport: false, segmentedFromOffice: false })).toEqual([
      'CFG-NO-SECURE-BOOT',
      'CFG-NO-ENCRYPTION-IN-TRANSIT',
      'CFG-NOT-SEGMENTED',
    ]);
    const [f] = configurationFindings({ ...clean, secureBoot: false, safetyCritical: true }, '2026-11-25');
    expect(f.severity).toBe('high');
  });
});
