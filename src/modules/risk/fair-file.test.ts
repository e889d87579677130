import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../core/errors';
import example from './data/example-scenarios.json';
import {
  formatFairReport,
  jsonErrorOffset,
  parseScenarioFile,
  runFairFile,
  runScenarioFile,
} from './fair-file';

describe('scenario files', () => {
  it('reports bad JSON with its line', () => {
    try {
      parseScenarioFile('{\n  "scenarios": [\n    {"id": }\n  ]\n}', 'x.json');
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e)).toBe(true);
      if (isAppError(e)) {
        expect(e.kind).toBe('invalid');
        expect(e.details[0].line).toBe(3);
      }
    }
  });

  it('finds the offset of JSON syntax errors and accepts valid JSON', () => {
    expect(jsonErrorOffset(JSON.stringify(example, null, 2))).toBe(-1);
    expect(jsonErrorOffset('{"a": [1, 2,, 3]}')).toBe(12);
    expect(jsonErrorOffset('{"a": "x\\"}')).toBe(11);
    expect(jsonErrorOffset('[1] x')).toBe(4);
    expect(jsonErrorOffset('{"a": -01}')).toBe(8);
  });

  it('names the field of an invalid scenario', () => {
    const bad = structuredClone(example);
    (bad.scenarios[1].primary as Record<string, unknown>).extortion = {
      probability: 1.5,
      magnitude: { dist: 'constant', value: 1 },
    };
    try {
      parseScenarioFile(JSON.stringify(bad));
      expect.unreachable();
    } catch (e) {
      if (!isAppError(e)) throw e;
      expect(e.details.map((d) => d.path)).toContain('scenarios.1.primary.extortion.probability');
    }
  });

  it('runs a file and splits the annual loss by scenario and section consistently', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-fair-'));
    const path = join(dir, 'scenarios.json');
    writeFileSync(path, JSON.stringify(example));
    const r = await runFairFile({ scenariosPath: path, years: 20_000, seed: 3 });
    expect(r.scenarios.map((s) => s.id)).toEqual(example.scenarios.map((s) => s.id));
    const totalBySection = Object.values(r.total.bySection).reduce((a, b) => a + b, 0);
    expect(totalBySection).toBeCloseTo(r.total.summary.mean, 2);
    const scenarioMeans = r.scenarios.reduce((a, s) => a + s.summary.mean, 0);
    expect(scenarioMeans).toBeCloseTo(r.total.summary.mean, 2);
    for (const s of r.scenarios) {
      expect(Object.values(s.bySection).reduce((a, b) => a + b, 0)).toBeCloseTo(s.summary.mean, 2);
    }
    // same seed, same report
    const again = runScenarioFile(parseScenarioFile(JSON.stringify(example)), 20_000, 3);
    expect(again.total).toEqual(r.total);
    expect(formatFairReport(r)).toMatch(/loss exceedance/);
    await expect(
      runFairFile({ scenariosPath: join(dir, 'missing.json'), years: 10, seed: 1 }),
    ).rejects.toThrow(/cannot read/);
  });
});
