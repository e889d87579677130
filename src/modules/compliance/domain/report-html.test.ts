import { describe, expect, it } from 'vitest';
import type { AssessedDevice } from '../../vulnerabilities';
import { baselineById } from './baseline';
import { evaluateOrganisation } from './evaluate';
import { escapeHtml, renderBaselineReport } from './report-html';

const device: AssessedDevice = {
  id: 'd-1',
  name: '<script>alert("x")</script> & co',
  kind: 'router',
  vendor: 'TP-Link',
  product: 'Archer AX21',
  model: null,
  firmwareVersion: '1.1.3',
  internetExposed: true,
  networkSegment: 'office',
  segmentedFromOffice: false,
  criticality: 'high',
  safetyCritical: false,
  dataHeld: 'none',
  credentialState: 'default',
  openServices: [{ port: 23, protocol: 'tcp', service: 'telnet' }],
  supportEndDate: null,
  secureBoot: null,
  encryptedTransport: null,
  updateMechanism: 'unknown',
  status: 'active',
};

describe('renderBaselineReport', () => {
  it('escapes every data-derived string and lists failing devices', () => {
    const b = baselineById('uk-psti')!;
    const ev = evaluateOrganisation(b, [device], { asOf: '2026-11-25' });
    const html = renderBaselineReport(b, ev, {
      organisationName: 'Acme <Ltd>',
      generatedAt: '2026-11-25T12:00:00Z',
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(html).toContain('Acme &lt;Ltd&gt;');
    expect(html).toContain('credentialState is &quot;default&quot;');
    expect(html).toMatch(/@media print/);
    expect(html.match(/<section class="req"/g)).toHaveLength(3);
    expect(html).toContain('<span class="not_met">Not met</span>');
  });

  it('escapeHtml covers the five special characters', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});
