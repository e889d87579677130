import type { AssessedDevice, DeviceRiskInput, DeviceVulnerability } from './assessment';

/** Builders for tests: a benign, fully known device that each test then makes worse. */
export function device(overrides: Partial<AssessedDevice> = {}): AssessedDevice {
  return {
    id: 'd1',
    name: 'device 1',
    kind: 'camera',
    vendor: 'Hikvision',
    product: 'DS-2CD2xx',
    model: null,
    firmwareVersion: '5.5.0',
    internetExposed: false,
    networkSegment: 'iot',
    segmentedFromOffice: true,
    criticality: 'medium',
    safetyCritical: false,
    dataHeld: 'none',
    credentialState: 'unique',
    openServices: [],
    supportEndDate: null,
    secureBoot: null,
    encryptedTransport: null,
    updateMechanism: 'unknown',
    status: 'active',
    ...overrides,
  };
}

export function riskInput(
  d: Partial<AssessedDevice> = {},
  more: Partial<DeviceRiskInput> = {},
): DeviceRiskInput {
  return {
    device: device(d),
    vulnerabilities: [],
    configFindings: [],
    alerts: { last30Days: 0, highOrCritical30Days: 0 },
    ...more,
  };
}

export function vuln(cveId: string, overrides: Partial<DeviceVulnerability> = {}): DeviceVulnerability {
  return {
    cveId,
    status: 'affected',
    cvssBaseScore: 9.8,
    kev: false,
    knownRansomwareCampaignUse: false,
    epss: null,
    ...overrides,
  };
}
