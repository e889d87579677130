import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock';
import { iotCyberFiling202601 as filing, iotCyberProduct } from './catalogue';
import { escapeHtml, renderDeclarations } from './declarations';
import { retailerSubmission } from './fixtures';
import { bindQuote, endorse } from './policy';
import { createQuote } from './quote';
import { rate } from './rating';
import { parseSubmission } from './submission';

describe('declarations page', () => {
  const clock = new ManualClock('2026-02-10T09:30:00Z');
  const s = parseSubmission(retailerSubmission());
  const q = createQuote(rate(s, filing), s, { id: 'q-b', clock, validityDays: 30 });
  let { policy } = bindQuote(q, { id: 'p-b', sequence: 7, boundBy: 'uw', clock });
  policy = endorse(
    policy,
    {
      effectiveDate: '2026-06-01',
      terms: policy.terms,
      annualPremium: { amount: 160_000, currency: 'USD' },
      reason: 'more <cameras>',
      requestedBy: 'u',
    },
    clock,
  );
  const html = renderDeclarations(policy, iotCyberProduct, clock.now());

  it('escapes every piece of text', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(html).toContain('Corner &lt;Shops&gt; &amp; Co');
    expect(html).not.toContain('<Shops>');
    expect(html).toContain('more &lt;cameras&gt;');
    expect(html).toContain('2025-11-03: till &lt;camera&gt; firmware wiped by a botnet');
  });

  it('shows what a policyholder expects', () => {
    expect(html).toContain(policy.number);
    expect(html).toContain('2026-02-10 00:00 UTC to 2027-02-10 00:00 UTC');
    expect(html).toContain('USD 250,000.00'); // aggregate
    expect(html).toContain('USD 100,000.00'); // extortion sublimit
    expect(html).toContain('USD 2,500.00'); // retention
    expect(html).toContain('USD 1,500.00'); // premium at binding (minimum premium)
    expect(html).toMatch(
      /Business interruption and service disruption<\/td><td>First party<\/td><td colspan="5">Not purchased/,
    );
    expect(html).toContain('Digital forensics and incident response');
    expect(html).toContain('War and state cyber operations');
    expect(html).toContain('Unpatched known exploited vulnerabilities');
    expect(html).toContain('DE: fines and penalties insurability uncertain');
    expect(html).toMatch(/@media print/);
    // USD 100 more a year from 2026-06-01, 254 of 365 days left: 10,000 cents x 254 / 365 = 6,958.90 -> 6,959 cents.
    expect(html).toContain('USD 69.59');
  });
});
