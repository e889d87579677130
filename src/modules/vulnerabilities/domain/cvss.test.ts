import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../../test/support/shared-data';
import { AppError } from '../../../core/errors';
import { pickCvss, scoreCvss, severityOf } from './cvss';
import { loadIotRecords } from './iot-digest.test-support';

describe('scoreCvss', () => {
  it('scores v3.1, v3.0, v2 and v4.0 base vectors', () => {
    expect(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toMatchObject({
      baseScore: 9.8,
      severity: 'critical',
    });
    expect(scoreCvss('CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toMatchObject({
      baseScore: 8.8,
      severity: 'high',
    });
    expect(scoreCvss('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H').baseScore).toBe(10);
    expect(scoreCvss('AV:N/AC:L/Au:N/C:P/I:P/A:P')).toMatchObject({
      version: '2.0',
      baseScore: 7.5,
      severity: 'high',
    });
    expect(scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')).toMatchObject({
      baseScore: 9.3,
    });
  });

  it('rejects incomplete or unknown vectors instead of scoring them 0', () => {
    for (const v of ['CVSS:3.1/AV:N', 'garbage', 'CVSS:9.9/AV:N']) {
      expect(() => scoreCvss(v)).toThrow(AppError);
    }
  });

  it('uses the FIRST qualitative scale', () => {
    expect([0, 0.1, 3.9, 4, 6.9, 7, 8.9, 9].map((s) => severityOf('3.1', s))).toEqual([
      'none',
      'low',
      'low',
      'medium',
      'medium',
      'high',
      'high',
      'critical',
    ]);
  });
});

describe('pickCvss', () => {
  it('prefers v3.1 from the CNA, and skips vectors that do not score', () => {
    const p = pickCvss([
      {
        source: 'adp',
        provider: 'CISA-ADP',
        version: '3.1',
        vector: 'CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
        statedBaseScore: 8.8,
      },
      { source: 'cna', provider: null, version: '3.1', vector: 'CVSS:3.1/AV:N', statedBaseScore: 9.8 },
      {
        source: 'cna',
        provider: null,
        version: '2.0',
        vector: 'AV:N/AC:L/Au:N/C:C/I:C/A:C',
        statedBaseScore: 10,
      },
    ]);
    expect(p).toMatchObject({ version: '3.1', baseScore: 8.8 });
    expect(pickCvss([])).toBeNull();
  });
});

const iotPath = sharedData('vuln/iot-cves.json');

describe.skipIf(!iotPath)('CVSS in the real records', () => {
  it('every published vector scores to the base score its record states', () => {
    const { records } = loadIotRecords(readFileSync(iotPath!, 'utf8'));
    let n = 0;
    for (const r of records)
      for (const m of r.metrics) {
        if (m.statedBaseScore === null) continue;
        expect(scoreCvss(m.vector, m.version).baseScore, `${r.cveId} ${m.vector}`).toBe(m.statedBaseScore);
        n++;
      }
    expect(n).toBeGreaterThanOrEqual(35);
  });
});
