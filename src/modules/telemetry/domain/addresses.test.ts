import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { describe, expect, it } from 'vitest';
import { ipv4At, ipv6At, macAt, writeIpv4, writeIpv6, writeMac } from './addresses';

const v6 = (text: string): string => {
  const b = new Uint8Array(16);
  expect(writeIpv6(text, b, 0)).toBe(true);
  return ipv6At(b, 0);
};

describe('IPv6 text (RFC 5952)', () => {
  it.each([
    ['2001:0db8:0000:0000:0000:0000:0002:0001', '2001:db8::2:1'], // §4.2.1 longest run
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2 a single 0 group stays
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3 the longer run wins
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3 first of equal runs
    ['2001:DB8::ABCD', '2001:db8::abcd'], // §4.3 lower case
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['fe80:0:0:0:0:0:0:0', 'fe80::'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'], // §5 IPv4-mapped
    ['ff02::1:ff00:1', 'ff02::1:ff00:1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ])('%s -> %s', (input, expected) => {
    expect(v6(input)).toBe(expected);
  });

  it('rejects malformed text', () => {
    const b = new Uint8Array(16);
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', '::1.2.3']) {
      expect(writeIpv6(bad, b, 0), bad).toBe(false);
    }
  });

  it('round-trips random addresses with zero runs', () => {
    const rng = xoroshiro128plus(7);
    const b = new Uint8Array(16);
    const back = new Uint8Array(16);
    for (let n = 0; n < 2000; n++) {
      for (let i = 0; i < 8; i++) {
        const zero = uniformInt(rng, 0, 2) === 0;
        const g = zero ? 0 : uniformInt(rng, 0, 0xffff);
        b[2 * i] = g >> 8;
        b[2 * i + 1] = g & 0xff;
      }
      const text = ipv6At(b, 0);
      if (
        /[A-F]|:::|(^|:)0[0-9a-f]/.test(text) ||
        !writeIpv6(text, back, 0) ||
        back.some((x, i) => x !== b[i])
      ) {
        expect.fail(`${text} is not the RFC 5952 text of ${Array.from(b)}`);
      }
    }
  });
});

describe('IPv4 and MAC text through the caches', () => {
  it('always matches a fresh formatting, including on cache collisions', () => {
    const rng = xoroshiro128plus(11);
    const b = new Uint8Array(6);
    const wrong: string[] = [];
    for (let n = 0; n < 50_000; n++) {
      for (let i = 0; i < 6; i++) b[i] = uniformInt(rng, 0, 255);
      const quad = `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
      if (ipv4At(b, 0) !== quad) wrong.push(quad);
      const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
      if (macAt(b, 0) !== hex) wrong.push(hex);
      const back = new Uint8Array(6);
      if (!writeMac(hex, back, 0) || back.some((x, i) => x !== b[i])) wrong.push(`parse ${hex}`);
    }
    expect(wrong).toEqual([]);
  });

  it('parses only dotted quads', () => {
    const b = new Uint8Array(4);
    expect(writeIpv4('10.0.0.255', b, 0)).toBe(true);
    expect(Array.from(b)).toEqual([10, 0, 0, 255]);
    for (const bad of ['10.0.0', '10.0.0.256', '1.2.3.4.5', 'a.b.c.d', '1..2.3'])
      expect(writeIpv4(bad, b, 0)).toBe(false);
  });
});
