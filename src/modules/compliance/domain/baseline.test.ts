import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../../test/support/shared-data';
import { AppError } from '../../../core/errors';
import { baselineById, builtInBaselines, parseBaseline } from './baseline';

describe('built-in baselines', () => {
  it('all four validate', () => {
    expect(builtInBaselines().map((b) => [b.id, b.requirements.length])).toEqual([
      ['etsi-en-303-645', 62],
      ['uk-psti', 3],
      ['nistir-8259a', 6],
      ['eu-cra-annex-i', 22],
    ]);
  });

  it('NISTIR 8259A has the six core capabilities', () => {
    expect(baselineById('nistir-8259a')!.requirements.map((r) => r.title)).toEqual([
      'Device identification',
      'Device configuration',
      'Data protection',
      'Logical access to interfaces',
      'Software update',
      'Cybersecurity state awareness',
    ]);
  });

  it('EU CRA Annex I lists Part I (1), (2)(a)–(m) and Part II (1)–(8)', () => {
    const ids = baselineById('eu-cra-annex-i')!.requirements.map((r) => r.id);
    expect(ids).toEqual([
      'I(1)',
      ...'abcdefghijklm'.split('').map((l) => `I(2)(${l})`),
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => `II(${n})`),
    ]);
  });

  it('rejects a rule naming an unknown fact, with the path', () => {
    const b = structuredClone(baselineById('uk-psti')!) as unknown as { requirements: { rule?: unknown }[] };
    b.requirements[0].rule = { fact: 'colour', met: ['red'], notMet: [] };
    try {
      parseBaseline(b);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).details[0].path).toMatch(/^requirements\.0\.rule/);
    }
  });
});

const etsiPath = sharedData('compliance/etsi-en-303-645-v2.1.1-provisions.json');

describe.skipIf(!etsiPath)('ETSI EN 303 645 transcription', () => {
  it('carries every provision of the shared file with its text and modality', () => {
    const src = JSON.parse(readFileSync(etsiPath!, 'utf8')) as {
      provisions: { id: string; isGroup: boolean; text: string; modality?: string }[];
    };
    const provisions = src.provisions.filter((p) => !p.isGroup);
    const ours = baselineById('etsi-en-303-645')!.requirements;
    expect(ours.map((r) => r.id)).toEqual(provisions.map((p) => p.id));
    for (const [i, p] of provisions.entries()) {
      expect(ours[i].text).toBe(p.text);
      expect(ours[i].modality).toBe(p.modality);
    }
  });
});
