import { describe, expect, it } from 'vitest';
import { iotCyberFiling202601 as filing } from './catalogue';
import { manufacturerSubmission } from './fixtures';
import type { TechnicalPremium } from './insured-loss';
import { rate } from './rating';
import { parseSubmission } from './submission';
import { checkAgainstTechnical } from './technical-check';

const usd = (amount: number) => ({ amount, currency: 'USD' });
const technical = (premiumMinor: number): TechnicalPremium => ({
  clause: 'TP-1',
  expectedInsuredLoss: usd(0),
  targetLossRatio: 0.6,
  lossCost: usd(premiumMinor - 25_000),
  expenseLoad: usd(25_000),
  premium: usd(premiumMinor),
  derivation: '',
});

describe('UW-TP-1: rated premium beside the technical premium', () => {
  const rated = rate(parseSubmission(manufacturerSubmission()), filing);
  // The hand-worked manufacturer quote: USD 12,092.51 rated, quoted without referral.
  const premium = rated.premium!.amount;

  it('adds a worksheet line and keeps the quote when rated / technical is inside [0.5, 2]', () => {
    const r = checkAgainstTechnical(rated, technical(premium), filing);
    expect(rated.status).toBe('quoted');
    expect(r.status).toBe('quoted');
    expect(r.premium).toEqual(rated.premium);
    const line = r.worksheet.at(-1)!;
    expect(line).toMatchObject({ clause: 'UW-TP-1', step: rated.worksheet.length + 1, value: '1.0000' });
    expect(line.premiumAfter).toEqual(rated.premium);
  });

  it('refers when rated is below half of technical (1,209,251 / 3,000,000 = 0.4031)', () => {
    const r = checkAgainstTechnical(rated, technical(3_000_000), filing);
    expect(r.status).toBe('referred');
    expect(r.worksheet.at(-1)!.value).toBe('0.4031');
    expect(r.worksheet.at(-1)!.derivation).toContain('OUTSIDE [0.5, 2]');
    expect(r.referrals.map((x) => x.ruleId)).toEqual(['UW-TP-1']);
    expect(r.premium).toEqual(rated.premium);
  });

  it('refers above twice, and the boundary 2.0000 itself stays inside', () => {
    expect(checkAgainstTechnical(rated, technical(Math.floor(premium / 2.5)), filing).status).toBe(
      'referred',
    );
    // 1,209,251 / 604,626 = 2.0000 (4 decimals, half up)
    expect(checkAgainstTechnical(rated, technical(604_626), filing).status).toBe('quoted');
  });
});
