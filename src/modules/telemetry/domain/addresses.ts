/**
 * Address text for the packet hot path. Addresses repeat heavily in real traffic, so MAC and IPv4 text
 * goes through small direct-mapped caches: a hit costs no allocation, a miss builds one string.
 */

const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const CACHE_SIZE = 4096; // power of two; a few thousand hosts cover a site's working set

const ipv4Keys = new Float64Array(CACHE_SIZE).fill(-1);
const ipv4Text: string[] = new Array(CACHE_SIZE).fill('');
const macKeys = new Float64Array(CACHE_SIZE).fill(-1);
const macText: string[] = new Array(CACHE_SIZE).fill('');

/** Dotted-quad text of the 4 bytes at `at`. */
export function ipv4At(b: Uint8Array, at: number): string {
  const key = ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
  const slot = (Math.imul(key, 0x9e3779b1) >>> 20) & (CACHE_SIZE - 1);
  if (ipv4Keys[slot] === key) return ipv4Text[slot];
  const text = `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
  ipv4Keys[slot] = key;
  ipv4Text[slot] = text;
  return text;
}

/** "aa:bb:cc:dd:ee:ff" (lower case) of the 6 bytes at `at`. */
export function macAt(b: Uint8Array, at: number): string {
  const hi = (b[at] << 8) | b[at + 1];
  const lo = ((b[at + 2] << 24) | (b[at + 3] << 16) | (b[at + 4] << 8) | b[at + 5]) >>> 0;
  const key = hi * 4294967296 + lo;
  const slot = (Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> 20) & (CACHE_SIZE - 1);
  if (macKeys[slot] === key) return macText[slot];
  const text = `${HEX2[b[at]]}:${HEX2[b[at + 1]]}:${HEX2[b[at + 2]]}:${HEX2[b[at + 3]]}:${HEX2[b[at + 4]]}:${HEX2[b[at + 5]]}`;
  macKeys[slot] = key;
  macText[slot] = text;
  return text;
}

const groups = new Uint16Array(8);

/**
 * IPv6 text of the 16 bytes at `at`, per RFC 5952 §4: lower case, no leading zeros, the longest run
 * of two or more zero groups compressed to "::" (the first such run on a tie, §4.2.3), a single zero
 * group never compressed (§4.2.2); IPv4-mapped addresses end in dotted quad (§5).
 */
export function ipv6At(b: Uint8Array, at: number): string {
  for (let i = 0; i < 8; i++) groups[i] = (b[at + 2 * i] << 8) | b[at + 2 * i + 1];
  // RFC 5952 §5: ::ffff:0:0/96 is written with the embedded IPv4 address in dotted-quad form.
  if (
    groups[0] === 0 &&
    groups[1] === 0 &&
    groups[2] === 0 &&
    groups[3] === 0 &&
    groups[4] === 0 &&
    groups[5] === 0xffff
  ) {
    return `::ffff:${b[at + 12]}.${b[at + 13]}.${b[at + 14]}.${b[at + 15]}`;
  }
  let bestStart = -1;
  let bestLen = 1; // runs must be longer than one group to be compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += '::';
      i += bestLen - 1;
      continue;
    }
    if (text.length > 0 && !text.endsWith(':')) text += ':';
    text += groups[i].toString(16);
  }
  return text;
}

/** Parses dotted-quad text into 4 bytes at `at`; false when the text is not an IPv4 address. */
export function writeIpv4(text: string, out: Uint8Array, at: number): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return false;
    const v = Number(parts[i]);
    if (v > 255) return false;
    out[at + i] = v;
  }
  return true;
}

/** Parses "aa:bb:cc:dd:ee:ff" (or with '-') into 6 bytes at `at`; false when malformed. */
export function writeMac(text: string, out: Uint8Array, at: number): boolean {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6) return false;
  for (let i = 0; i < 6; i++) {
    if (!/^[0-9a-fA-F]{2}$/.test(parts[i])) return false;
    out[at + i] = Number.parseInt(parts[i], 16);
  }
  return true;
}

/** Parses IPv6 text (RFC 4291 §2.2, including "::" and a trailing dotted quad) into 16 bytes at `at`. */
export function writeIpv6(text: string, out: Uint8Array, at: number): boolean {
  let head = text;
  let tailV4: number[] | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) >= 0) {
    const v4 = new Uint8Array(4);
    if (!writeIpv4(text.slice(lastColon + 1), v4, 0)) return false;
    tailV4 = [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]];
    head = text.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return false;
  const parse = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const left = parse(halves[0]);
  const right = halves.length === 2 ? parse(halves[1]) : [];
  if (!left || !right) return false;
  if (tailV4) right.push(...tailV4);
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return false;
  const all = [...left, ...new Array(missing).fill(0), ...right];
  for (let i = 0; i < 8; i++) {
    out[at + 2 * i] = all[i] >> 8;
    out[at + 2 * i + 1] = all[i] & 0xff;
  }
  return true;
}
