import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../core';
import { MAX_IMPORT_BYTES, parseDeviceFile } from './device-import';

const csv = (s: string) => Buffer.from(s);
const HEADER =
  'name,kind,vendor,product,firmwareVersion,serial,site,ipAddresses,internetExposed,openServices';

function fail(bytes: Uint8Array, format: 'csv' | 'json' | 'auto' = 'auto'): AppError {
  try {
    parseDeviceFile(bytes, format);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected the file to be rejected');
}

describe('device file parsing', () => {
  it('accepts a good CSV with lists, booleans and services', () => {
    const rows = parseDeviceFile(
      csv(
        `${HEADER}\ncam-1,camera,Hikvision,DS-2CD,V5.5.0 build 170725,S1,Plant 1,10.0.0.5;10.0.0.6,yes,23/tcp:telnet;554/tcp\n`,
      ),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      line: 2,
      site: 'Plant 1',
      input: {
        name: 'cam-1',
        ipAddresses: ['10.0.0.5', '10.0.0.6'],
        internetExposed: true,
        openServices: [
          { port: 23, protocol: 'tcp', service: 'telnet' },
          { port: 554, protocol: 'tcp', service: null },
        ],
      },
    });
  });

  it('names the line and field of every bad row and keeps none', () => {
    const e = fail(
      csv(
        `${HEADER}\nok,camera,V,P,,S1,,,,\nbad-kind,toaster,V,P,,S2,,,,\nbad-ip,camera,V,P,,S3,,999.1.1.1,,\nbad-bool,camera,V,P,,S4,,,maybe,\n`,
      ),
    );
    expect(e.kind).toBe('invalid');
    expect(e.message).toMatch(/nothing was imported/);
    const at = e.details.map((d) => `${d.line}:${d.field}`);
    expect(at).toEqual(expect.arrayContaining(['3:kind', '4:ipAddresses.0', '5:internetExposed']));
    expect(at.some((x) => x.startsWith('2:'))).toBe(false);
  });

  it('rejects unknown columns and missing required ones on line 1', () => {
    const e = fail(csv('name,kind,vendor,colour\nx,camera,V,red\n'));
    expect(e.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ line: 1, field: 'colour' }),
        expect.objectContaining({ line: 1, field: 'product' }),
      ]),
    );
  });

  it('rejects duplicate serials inside the file, naming both lines', () => {
    const e = fail(csv(`${HEADER}\na,camera,V,P,,DUP,,,,\nb,camera,V,P,,DUP,,,,\n`));
    expect(e.details).toEqual([
      expect.objectContaining({ line: 3, field: 'serial', message: expect.stringContaining('line 2') }),
    ]);
  });

  it('rejects a ragged CSV with the line number', () => {
    const e = fail(csv('name,kind,vendor,product\na,camera,V\n'));
    expect(e.message).toMatch(/line 2/);
  });

  it('validates JSON with field paths', () => {
    const e = fail(
      Buffer.from(
        JSON.stringify([
          { name: 'a', kind: 'camera', vendor: 'V', product: 'P', internetExposed: 'yes' },
          { nme: 'x' },
        ]),
      ),
    );
    const fields = e.details.map((d) => d.field);
    expect(fields).toContain('devices[0].internetExposed');
    expect(fields.some((f) => f?.startsWith('devices[1].'))).toBe(true);
  });

  it('names the byte offset of malformed JSON', () => {
    const e = fail(Buffer.from('[{"name": "a",, }]'), 'json');
    expect(e.message).toMatch(/byte offset \d+/);
  });

  it('refuses binary junk and invalid UTF-8 with the byte offset', () => {
    expect(fail(Buffer.from([0x6e, 0x61, 0x00, 0x6d])).message).toMatch(/byte offset 2/);
    expect(fail(Buffer.from([0x61, 0x62, 0xff, 0xfe])).message).toMatch(/byte offset 2/);
  });

  it('refuses a file over the size limit before reading it', () => {
    const e = fail(new Uint8Array(MAX_IMPORT_BYTES + 1));
    expect(e.message).toMatch(/limit/);
  });

  it('fuzz: mutated files are either fully accepted or rejected with AppError invalid', () => {
    const good = Buffer.from(
      `${HEADER}\ncam-1,camera,Hikvision,DS,1.0,S1,Plant,10.0.0.5,no,80/tcp:http\nplc-1,plc,Siemens,S7,V4,S2,Plant,10.0.0.6,yes,102/tcp\n`,
    );
    const g = xoroshiro128plus(42);
    const rnd = (n: number) => (g.next() >>> 0) % n;
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(good);
      const kind = rnd(4);
      let input: Buffer = b;
      if (kind === 0) for (let k = 0; k < 1 + rnd(4); k++) b[rnd(b.length)] = rnd(256);
      else if (kind === 1) input = b.subarray(0, rnd(b.length));
      else if (kind === 2)
        input = Buffer.concat([b.subarray(0, rnd(b.length)), Buffer.from(',"\n\r;'.charAt(rnd(6))), b]);
      else input = Buffer.from(Array.from({ length: rnd(200) }, () => rnd(256)));
      try {
        const rows = parseDeviceFile(input);
        for (const r of rows) expect(r.input.name.length).toBeGreaterThan(0);
      } catch (e) {
        expect(e).toBeInstanceOf(AppError);
        expect((e as AppError).kind).toBe('invalid');
      }
    }
  });
});

describe('device patch', () => {
  it('changes only the facts it names (no defaults fill the rest)', async () => {
    const { devicePatchSchema } = await import('./device-input');
    expect(devicePatchSchema.parse({ status: 'quarantined' })).toEqual({ status: 'quarantined' });
  });
});
