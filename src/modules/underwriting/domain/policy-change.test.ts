import { describe, expect, it } from 'vitest';
import { iotCyberFiling202601 as filing, iotCyberProduct as product } from './catalogue';
import { manufacturerSubmission } from './fixtures';
import { changedTerms } from './policy-change';
import { parseSubmission } from './submission';
import { resolveTerms } from './terms';

const usd = (amount: number) => ({ amount, currency: 'USD' });
const s = parseSubmission(manufacturerSubmission());
const current = resolveTerms(s, product, filing);

describe('changedTerms: an endorsement request from the current terms', () => {
  it('keeps every term not asked for', () => {
    const t = changedTerms(current, {});
    expect(t.aggregateLimit).toEqual(current.aggregateLimit);
    expect(t.retention).toEqual(current.retention);
    for (const sec of current.sections) {
      expect(t.sections?.[sec.sectionId]).toEqual({
        included: sec.included,
        limit: sec.limit,
        sublimit: sec.sublimit,
        retention: sec.retention,
      });
    }
  });

  it('a new retention carries to sections that had the policy retention; a new aggregate takes default sublimits', () => {
    const t = changedTerms(current, { retention: usd(5_000_000), aggregateLimit: usd(300_000_000) });
    const ir = t.sections!.incident_response;
    expect(ir.retention).toEqual(usd(5_000_000));
    expect(ir.limit).toEqual(usd(300_000_000)); // was the old aggregate: follows it
    expect(ir.sublimit).toBeUndefined(); // resolveTerms gives the product default for USD 3 M
    const again = resolveTerms({ ...s, requestedTerms: t }, product, filing);
    const ext = again.sections.find((x) => x.sectionId === 'cyber_extortion')!;
    // UW-EXT-1 cap for a USD 3 M aggregate: min(50% of it, USD 2.5 M) = USD 1.5 M
    expect(ext.sublimit.amount).toBeLessThanOrEqual(150_000_000);
  });

  it('an explicit section change wins', () => {
    const t = changedTerms(current, { sections: { cyber_extortion: { included: false } } });
    expect(t.sections!.cyber_extortion.included).toBe(false);
    expect(t.sections!.incident_response.included).toBe(true);
  });
});
