import { type KevCatalog, parseCveRecords, parseJsonText, parseKevCatalog, type VulnRecord } from './feeds';

/**
 * Test and benchmark support: shared/data/vuln/iot-cves.json keeps, per CVE, the `affected`
 * blocks of the CNA and CISA-ADP containers and the metrics exactly as published, in a digest. This
 * rebuilds CVE JSON 5 records from it so tests run the real parser on the real (messy) data.
 */
export interface IotDigest {
  cveId: string;
  cna: string;
  kevVendor: string;
  kevProduct: string;
  vulnerabilityName: string;
  affected: unknown[];
  adpAffected?: unknown[];
  allMetrics: ({ source: string } & Record<string, unknown>)[];
  recordCwes: string[];
  descriptionVersionHint?: string;
  tags?: string[];
}

const ORG = '00000000-0000-4000-8000-000000000000';

export function digestToCveRecord(d: IotDigest): unknown {
  const metricsOf = (src: (s: string) => boolean) =>
    d.allMetrics.filter((m) => src(m.source)).map(({ source: _s, ...rest }) => rest);
  const adpMetrics = metricsOf((s) => s === 'CISA-ADP');
  return {
    dataType: 'CVE_RECORD',
    dataVersion: '5.1',
    cveMetadata: { cveId: d.cveId, assignerOrgId: ORG, state: 'PUBLISHED' },
    containers: {
      cna: {
        providerMetadata: { orgId: ORG, shortName: d.cna },
        descriptions: [{ lang: 'en', value: d.descriptionVersionHint || d.vulnerabilityName }],
        affected: d.affected,
        references: [{ url: `https://www.cve.org/CVERecord?id=${d.cveId}` }],
        metrics: metricsOf((s) => s !== 'CISA-ADP'),
        problemTypes: [
          { descriptions: d.recordCwes.map((c) => ({ lang: 'en', cweId: c, description: c, type: 'CWE' })) },
        ],
        ...(d.tags ? { tags: d.tags } : {}),
      },
      ...(d.adpAffected || adpMetrics.length > 0
        ? {
            adp: [
              {
                providerMetadata: { orgId: ORG, shortName: 'CISA-ADP' },
                ...(d.adpAffected ? { affected: d.adpAffected } : {}),
                ...(adpMetrics.length > 0 ? { metrics: adpMetrics } : {}),
              },
            ],
          }
        : {}),
    },
  };
}

/** Pure: the caller reads the file (tests and benchmarks only; the product never needs it). */
export function loadIotRecords(
  text: string,
  source = 'iot-cves.json',
): { digests: IotDigest[]; records: VulnRecord[] } {
  const digests = parseJsonText(text, source) as IotDigest[];
  return { digests, records: parseCveRecords(digests.map(digestToCveRecord), source) };
}

export function loadKev(text: string, source = 'kev.json'): KevCatalog {
  return parseKevCatalog(parseJsonText(text, source));
}
