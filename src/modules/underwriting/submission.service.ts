/**
 * Builds an underwriting submission from what CoverWatch knows of an insured: its organisation
 * profile (industry, revenue, records held, jurisdictions, hourly downtime cost) and its measured
 * assessment, so an insurer prices the fleet from measurement rather than a questionnaire (issue 6 §4).
 */
import { type Clock, invalid, type Money, minorUnitExponent } from '../../core';
import type { DeviceView, InventoryService } from '../inventory';
import {
  type AssessedDevice,
  type Attestation,
  type DeviceKind,
  type OrganisationAssessment,
  type OrganisationProfile,
  type OrganisationScenarios,
  scenariosForOrganisation,
  scoreOrganisation,
} from '../risk';
import type { RequestContext, TenancyService } from '../tenancy';
import { configurationFindings } from '../vulnerabilities';
import { assessmentFromRiskScore } from './domain/assessment-summary';
import type { RateFiling } from './domain/filing';
import { parseSubmission, type Submission, type SubmissionInput } from './domain/submission';

/**
 * Units of USD per unit of each currency. ILLUSTRATIVE reference rates (roughly the ECB reference rates
 * of late 2025); an insurer converts at its treasury rate of the submission date. The rate used is
 * recorded in the quote's basis so the conversion can be re-done.
 */
export const USD_PER_UNIT: Readonly<Record<string, number>> = { USD: 1, GBP: 1.27, EUR: 1.08, CHF: 1.13 };

/** The terms an underwriter asks to quote, in the filing currency. */
export interface RequestedTerms {
  productId?: string;
  aggregateLimit: Money;
  retention: Money;
  waitingPeriodHours: number;
  sections?: Submission['requestedTerms']['sections'];
  attestedControls?: SubmissionInput['attestedControls'];
  priorKnownIncidents?: SubmissionInput['priorKnownIncidents'];
}

/** Where the measured assessment comes from; the default reads inventory facts (see `inventoryAssessment`). */
export interface AssessmentSource {
  /** Said in the quote's basis, so an underwriter knows what was measured. */
  describe: string;
  load(ctx: RequestContext, asOf: Date): Promise<OrganisationAssessment>;
}

export interface BuiltSubmission {
  submission: Submission;
  /** The FAIR scenario set of the insured, in the filing currency. */
  scenarios: OrganisationScenarios;
  /** Active devices with an open CISA KEV finding (EXC-KEV raises coinsurance on losses through them). */
  kevDeviceIds: string[];
  basis: {
    profile: Record<string, unknown>;
    conversion: { from: string; to: string; rate: number; source: string } | null;
    assessmentSource: string;
    devices: number;
  };
}

const DEVICE_KINDS: readonly DeviceKind[] = [
  'camera',
  'nvr',
  'plc',
  'hmi',
  'rtu',
  'router',
  'switch',
  'firewall',
  'badge_reader',
  'door_controller',
  'infusion_pump',
  'patient_monitor',
  'imaging',
  'smart_hub',
  'sensor',
  'gateway',
  'printer',
  'other',
];

function assessedDevice(d: DeviceView): AssessedDevice {
  const kind = (DEVICE_KINDS as readonly string[]).includes(d.kind) ? (d.kind as DeviceKind) : 'other';
  return {
    id: d.id,
    name: d.name,
    kind,
    vendor: d.vendor,
    product: d.product,
    model: d.model,
    firmwareVersion: d.firmwareVersion,
    internetExposed: d.internetExposed,
    networkSegment: d.networkSegment,
    segmentedFromOffice: d.segmentedFromOffice,
    criticality: d.criticality as AssessedDevice['criticality'],
    safetyCritical: d.safetyCritical,
    dataHeld: d.dataHeld as AssessedDevice['dataHeld'],
    credentialState: d.credentialState as AssessedDevice['credentialState'],
    openServices: d.openServices,
    supportEndDate: d.supportEndDate,
    secureBoot: d.secureBoot,
    encryptedTransport: d.encryptedTransport,
    updateMechanism: d.updateMechanism as AssessedDevice['updateMechanism'],
    status: d.status as AssessedDevice['status'],
  };
}

/**
 * The assessment from inventory facts alone: configuration findings per device (vulnerabilities
 * module) and no CVE findings, because no assessment service is wired into the server yet. Once
 * one exists, pass its output as the AssessmentSource instead.
 */
export function inventoryAssessment(inventory: InventoryService): AssessmentSource {
  const load = async (ctx: RequestContext, asOf: Date): Promise<OrganisationAssessment> => {
    const devices = await inventory.allDevices(ctx.scope);
    const at = asOf.toISOString();
    return {
      asOf: at,
      devices: devices
        .filter((d) => d.status !== 'retired')
        .map((d) => {
          const device = assessedDevice(d);
          return {
            device,
            vulnerabilities: [],
            configFindings: configurationFindings(device, at.slice(0, 10)).map((f) => ({
              id: f.id,
              severity: f.severity,
            })),
            alerts: { last30Days: 0, highOrCritical30Days: 0 },
          };
        }),
      attestations: [],
    };
  };
  return { describe: 'inventory facts: configuration findings per device; no CVE findings', load };
}

function profileMoney(profile: Record<string, unknown>, field: string): Money {
  const m = profile[field] as Money | undefined;
  if (!m || !Number.isSafeInteger(m.amount) || typeof m.currency !== 'string') {
    throw invalid(`the insured's profile has no ${field}`, [
      { field: `profile.${field}`, message: 'required to quote (integer minor units and currency)' },
    ]);
  }
  return m;
}

export class SubmissionService {
  constructor(
    private readonly tenancy: TenancyService,
    private readonly clock: Clock,
    private readonly assessment: AssessmentSource,
  ) {}

  /** The insured's measured assessment as it stands now (for "what would lower it"). */
  async assessmentNow(insured: RequestContext) {
    return this.assessment.load(insured, this.clock.now());
  }

  /**
   * The submission of `insured` (a context on the insured organisation: its own, or an insurer's
   * through an active relation) for the requested terms, rated in `filing`'s currency.
   */
  async build(insured: RequestContext, terms: RequestedTerms, filing: RateFiling): Promise<BuiltSubmission> {
    const now = this.clock.now();
    const profile = await this.tenancy.organisationProfile(insured.org.id);
    const revenue = profileMoney(profile, 'annualRevenue');
    const hourly = profileMoney(profile, 'hourlyDowntimeCost');
    const industry = typeof profile.industry === 'string' ? profile.industry : 'other';
    const jurisdictions =
      Array.isArray(profile.jurisdictions) && profile.jurisdictions.length
        ? (profile.jurisdictions as string[])
        : typeof profile.country === 'string'
          ? [profile.country]
          : [];
    const recordsHeld = typeof profile.recordsHeld === 'number' ? profile.recordsHeld : 0;

    // One conversion at the boundary, so rating and simulation both work in the filing currency.
    const to = filing.currency;
    let conversion: BuiltSubmission['basis']['conversion'] = null;
    const convert = (m: Money, field: string): Money => {
      if (m.currency === to) return m;
      const from = USD_PER_UNIT[m.currency];
      const into = USD_PER_UNIT[to];
      if (!from || !into) {
        throw invalid(`no exchange rate from ${m.currency} to ${to}`, [
          { field: `profile.${field}.currency`, message: `one of ${Object.keys(USD_PER_UNIT).join(', ')}` },
        ]);
      }
      const rate = from / into;
      conversion = {
        from: m.currency,
        to,
        rate,
        source: 'illustrative reference rate (USD_PER_UNIT)',
      };
      // Both currencies have two minor digits here (ISO 4217); round once, where it becomes money.
      return { amount: Math.round(m.amount * rate), currency: to };
    };
    const annualRevenue = convert(revenue, 'annualRevenue');
    const hourlyDowntimeCost = convert(hourly, 'hourlyDowntimeCost');

    const assessed = await this.assessment.load(insured, now);
    const attestations: Attestation[] = (terms.attestedControls ?? []).map((a) => ({
      control: a.control,
      attested: true,
      evidence: a.evidence,
      expiresAt: a.expiresAt,
    }));
    const withAttestations = { ...assessed, attestations: [...assessed.attestations, ...attestations] };
    // The rating's control credits count what the insured attested in the product (stored, in force)
    // and what this request adds; a control attested both ways is listed once, the request's wording kept.
    const requested = terms.attestedControls ?? [];
    const stored = assessed.attestations
      .filter((a) => a.attested && a.attestedAt && Date.parse(a.expiresAt) > now.getTime())
      .filter((a) => !requested.some((r) => r.control === a.control))
      .map((a) => ({
        control: a.control,
        attestedAt: a.attestedAt as string,
        expiresAt: a.expiresAt,
        evidence: a.evidence,
      }));
    const attestedControls = [...stored, ...requested];
    const score = scoreOrganisation(withAttestations);

    const submission = parseSubmission({
      submittedAt: now.toISOString(),
      productId: terms.productId ?? 'iot-cyber',
      organisation: {
        name: insured.org.name,
        industry,
        annualRevenue,
        recordsHeld,
        jurisdictions,
        hourlyDowntimeCost,
      },
      requestedTerms: {
        aggregateLimit: terms.aggregateLimit,
        retention: terms.retention,
        waitingPeriodHours: terms.waitingPeriodHours,
        sections: terms.sections,
      },
      assessment: assessmentFromRiskScore(score, []),
      attestedControls,
      priorKnownIncidents: terms.priorKnownIncidents ?? [],
    } satisfies SubmissionInput);

    const major = 10 ** minorUnitExponent(to);
    const fairProfile: OrganisationProfile = {
      industry,
      region: (jurisdictions[0] ?? 'us').toLowerCase(),
      currency: to,
      usdRate: 1 / (USD_PER_UNIT[to] ?? 1),
      annualRevenue: annualRevenue.amount / major,
      recordsHeld,
      hourlyDowntimeCost: hourlyDowntimeCost.amount / major,
    };
    const scenarios = scenariosForOrganisation(fairProfile, withAttestations);
    const kevDeviceIds = withAttestations.devices
      .filter(
        (x) =>
          x.device.status === 'active' && x.vulnerabilities.some((v) => v.kev && v.status === 'affected'),
      )
      .map((x) => x.device.id);
    return {
      submission,
      scenarios,
      kevDeviceIds,
      basis: {
        profile,
        conversion,
        assessmentSource: this.assessment.describe,
        devices: assessed.devices.length,
      },
    };
  }
}
