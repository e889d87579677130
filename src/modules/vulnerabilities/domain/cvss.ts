import cvssCalculator from 'ae-cvss-calculator';
import { invalid } from '../../../core/errors';
import type { CvssMetric } from './feeds';

export type CvssSeverity = 'none' | 'low' | 'medium' | 'high' | 'critical';

export interface CvssScore {
  version: '4.0' | '3.1' | '3.0' | '2.0';
  vector: string;
  baseScore: number;
  severity: CvssSeverity;
}

/**
 * Qualitative severity. CVSS v3.x and v4.0 specifications, "Qualitative Severity Rating Scale":
 * 0 none, 0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10.0 critical. CVSS v2 has no official
 * scale; NVD's (0–3.9 low, 4.0–6.9 medium, 7.0–10.0 high) is the one everybody uses.
 */
export function severityOf(version: CvssScore['version'], score: number): CvssSeverity {
  if (version === '2.0') return score >= 7 ? 'high' : score >= 4 ? 'medium' : 'low';
  if (score === 0) return 'none';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9) return 'high';
  return 'critical';
}

const PREFIX: Record<CvssScore['version'], string | null> = {
  '4.0': 'CVSS:4.0/',
  '3.1': 'CVSS:3.1/',
  '3.0': 'CVSS:3.0/',
  '2.0': null,
};

/**
 * Score a vector with ae-cvss-calculator. The library quietly scores an incomplete vector as 0, so a
 * vector without every base metric is rejected here instead.
 */
export function scoreCvss(vector: string, version?: CvssScore['version']): CvssScore {
  const v = vector.trim();
  const detected: CvssScore['version'] | null = v.startsWith('CVSS:4.0/')
    ? '4.0'
    : v.startsWith('CVSS:3.1/')
      ? '3.1'
      : v.startsWith('CVSS:3.0/')
        ? '3.0'
        : /^\(?AV:[LAN]\/AC:[HML]\/Au:[MSN]\//.test(v)
          ? '2.0'
          : null;
  const ver = detected ?? version ?? null;
  if (ver === null || (version && detected && version !== detected))
    throw invalid(`CVSS vector "${v.slice(0, 80)}" has no recognisable version`, [
      { field: 'vectorString', message: 'unknown CVSS version' },
    ]);
  const prefix = PREFIX[ver];
  const text = ver === '2.0' ? v.replace(/^\(|\)$/g, '') : prefix && !v.startsWith(prefix) ? prefix + v : v;
  let result: { base?: number; overall: number } | null = null;
  try {
    const obj =
      ver === '4.0'
        ? new cvssCalculator.Cvss4P0(text)
        : ver === '3.1'
          ? new cvssCalculator.Cvss3P1(text)
          : ver === '3.0'
            ? new cvssCalculator.Cvss3P0(text)
            : new cvssCalculator.Cvss2(text);
    result = obj.calculateScores() as { base?: number; overall: number };
  } catch (e) {
    throw invalid(`CVSS vector "${v.slice(0, 80)}" is not valid: ${(e as Error).message}`, [
      { field: 'vectorString', message: 'not a valid vector' },
    ]);
  }
  const base = result.base;
  if (base === undefined || Number.isNaN(base))
    throw invalid(`CVSS vector "${v.slice(0, 80)}" lacks base metrics`, [
      { field: 'vectorString', message: 'incomplete base metrics' },
    ]);
  return { version: ver, vector: text, baseScore: base, severity: severityOf(ver, base) };
}

const ORDER: CvssScore['version'][] = ['3.1', '4.0', '3.0', '2.0'];

/**
 * The score a finding shows. v3.1 first because KEV/NVD triage and most of our records use it, then
 * v4.0, v3.0, v2.0; within a version the CNA's own metric before an ADP's. Vectors that do not score
 * are skipped, never shown with a made-up number.
 */
export function pickCvss(metrics: readonly CvssMetric[]): CvssScore | null {
  const sorted = [...metrics].sort(
    (a, b) =>
      ORDER.indexOf(a.version) - ORDER.indexOf(b.version) ||
      (a.source === 'cna' ? -1 : 0) - (b.source === 'cna' ? -1 : 0),
  );
  for (const m of sorted) {
    try {
      return scoreCvss(m.vector, m.version);
    } catch {
      // try the next metric
    }
  }
  return null;
}
