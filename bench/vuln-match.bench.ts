import { readFileSync } from 'node:fs';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { AssessedDevice, DeviceKind } from '../src/modules/vulnerabilities';
import { buildVulnIndex, matchDevice } from '../src/modules/vulnerabilities';
import { loadIotRecords, loadKev } from '../src/modules/vulnerabilities/domain/iot-digest.test-support';
import { sharedData } from '../test/support/shared-data';

/**
 * Matching throughput: 100,000 synthetic devices drawn (seeded) from the vendors, products and
 * versions of the real records in ../shared/data/vuln/iot-cves.json, matched against the index of
 * the KEV-linked records (38 CVE records plus the 1,404 KEV listings).
 */
const DEVICES = 100_000;
const KINDS: DeviceKind[] = ['camera', 'nvr', 'router', 'firewall', 'gateway', 'plc', 'hmi', 'other'];

export async function run(): Promise<
  Array<{ name: string; value: number; unit: string; target?: string; note?: string }>
> {
  const iot = sharedData('vuln/iot-cves.json');
  const kevPath = sharedData('vuln/kev.json');
  if (!iot || !kevPath) return [];
  const { records, digests } = loadIotRecords(readFileSync(iot, 'utf8'));
  const kev = loadKev(readFileSync(kevPath, 'utf8'));

  const t0 = performance.now();
  const index = buildVulnIndex({ records, kev, kevOnly: true });
  const buildMs = performance.now() - t0;

  // Vendor/product pairs as the records and KEV name them, and the versions they mention.
  const pairs: [string, string][] = [];
  const versions: string[] = [];
  for (const r of records) {
    for (const a of r.affected) {
      if (a.vendor && a.product) pairs.push([a.vendor, a.product]);
      for (const v of a.versions) {
        for (const s of [v.version, v.lessThan, v.lessThanOrEqual])
          if (s && /^\S+$/.test(s) && /\d/.test(s)) versions.push(s);
      }
    }
  }
  for (const d of digests) pairs.push([d.kevVendor, d.kevProduct]);
  versions.push('1.0', '2.3.4', 'V1.0.11.134', '1.14 Build 20230219');

  const rng = xoroshiro128plus(20261125);
  const int = (lo: number, hi: number) => uniformInt(rng, lo, hi);
  const devices: AssessedDevice[] = new Array(DEVICES);
  for (let i = 0; i < DEVICES; i++) {
    const [vendor, product] = pairs[int(0, pairs.length - 1)];
    const fw = int(0, 19) === 0 ? null : versions[int(0, versions.length - 1)];
    devices[i] = {
      id: `d${i}`,
      name: `device ${i}`,
      kind: KINDS[int(0, KINDS.length - 1)],
      vendor,
      product,
      model: null,
      firmwareVersion: fw,
      internetExposed: false,
      networkSegment: null,
      segmentedFromOffice: null,
      criticality: 'medium',
      safetyCritical: false,
      dataHeld: 'none',
      credentialState: 'unknown',
      openServices: [],
      supportEndDate: null,
      secureBoot: null,
      encryptedTransport: null,
      updateMechanism: 'unknown',
      status: 'active',
    };
  }

  // Warm-up on a slice, then the timed pass over all devices.
  for (let i = 0; i < 2000; i++) matchDevice(index, devices[i]);
  let affected = 0;
  let review = 0;
  const cpu0 = process.cpuUsage();
  const t1 = performance.now();
  for (let i = 0; i < DEVICES; i++) {
    for (const f of matchDevice(index, devices[i])) {
      if (f.status === 'affected') affected++;
      else review++;
    }
  }
  const secs = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // CPU time as well as wall time: on a shared, loaded machine the wall figure understates the code.
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  return [
    {
      name: 'vuln-match: devices matched',
      value: Math.round(DEVICES / secs),
      unit: 'devices/s',
      target: '> 20,000 devices/s',
      note: `${DEVICES} devices in ${secs.toFixed(2)} s; ${affected} affected + ${review} needs_review findings`,
    },
    {
      name: 'vuln-match: devices per CPU-second',
      value: Math.round(DEVICES / cpuSecs),
      unit: 'devices/s',
      note: `${cpuSecs.toFixed(2)} CPU-s (user+system, includes GC)`,
    },
    {
      name: 'vuln-match: index build',
      value: Math.round(buildMs),
      unit: 'ms',
      note: `${index.records.length} records indexed`,
    },
  ];
}
