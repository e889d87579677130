/**
 * Example submissions used by the unit tests, the offline quote runner's example file and the
 * benchmark. Figures are invented; each test states the numbers it relies on.
 */
import type { SubmissionInput } from './submission';

const usd = (major: number) => ({ amount: Math.round(major * 100), currency: 'USD' });

/** A mid-size manufacturer with an OT fleet: quote A of the rating tests. */
export function manufacturerSubmission(): SubmissionInput {
  return {
    id: 'sub-a',
    submittedAt: '2026-03-02T10:00:00Z',
    productId: 'iot-cyber',
    organisation: {
      name: 'Harbour Precision Parts Ltd',
      industry: 'manufacturing',
      annualRevenue: usd(30_000_000),
      recordsHeld: 50_000,
      jurisdictions: ['US', 'GB'],
      hourlyDowntimeCost: usd(6_000),
    },
    requestedTerms: { aggregateLimit: usd(2_000_000), retention: usd(10_000), waitingPeriodHours: 12 },
    assessment: {
      riskScore: 60,
      riskFactors: [
        { name: 'default credentials on HMIs', contribution: 9 },
        { name: 'end-of-support PLC firmware', contribution: 7 },
      ],
      devicesByKind: { plc: 40, hmi: 10, camera: 200, router: 20 },
      internetExposed: 27,
      safetyCritical: 12,
      kevOnExposed: 0,
      baselines: [
        { baseline: 'ETSI EN 303 645', met: 30, notMet: 20, unknown: 12 },
        { baseline: 'NISTIR 8259A', met: 4, notMet: 1, unknown: 1 },
      ],
      measuredControls: { mfa_remote_access: true, vendor_secure_update: false },
    },
    attestedControls: [
      {
        control: 'offline_backups',
        attestedAt: '2026-01-15T00:00:00Z',
        expiresAt: '2027-01-15T00:00:00Z',
        evidence: 'backup restore test report 2026-01-10',
      },
      {
        control: 'staff_training',
        attestedAt: '2025-01-01T00:00:00Z',
        expiresAt: '2026-01-01T00:00:00Z',
        evidence: 'training completion export',
      },
      {
        control: 'vendor_secure_update',
        attestedAt: '2026-01-15T00:00:00Z',
        expiresAt: '2027-01-15T00:00:00Z',
        evidence: 'vendor letter',
      },
    ],
  };
}

/** A small retailer that buys no BI and a small extortion sublimit: quote B (minimum premium). */
export function retailerSubmission(): SubmissionInput {
  return {
    id: 'sub-b',
    submittedAt: '2026-02-10T09:30:00Z',
    productId: 'iot-cyber',
    organisation: {
      name: 'Corner <Shops> & Co',
      industry: 'retail',
      annualRevenue: usd(2_000_000),
      recordsHeld: 0,
      jurisdictions: ['DE'],
      hourlyDowntimeCost: usd(150),
    },
    requestedTerms: {
      aggregateLimit: usd(250_000),
      retention: usd(2_500),
      waitingPeriodHours: 8,
      sections: {
        business_interruption: { included: false },
        cyber_extortion: { sublimit: usd(100_000) },
      },
    },
    assessment: {
      riskScore: 30,
      devicesByKind: { smart_hub: 10, camera: 5, thermostat: 5 },
      internetExposed: 0,
      safetyCritical: 0,
      kevOnExposed: 0,
    },
    priorKnownIncidents: [{ date: '2025-11-03', description: 'till <camera> firmware wiped by a botnet' }],
  };
}
