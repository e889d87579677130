import { invalid } from '../../../core/errors';

/** A Semantic Versioning 2.0.0 version (semver.org). */
export interface Semver {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers (semver §9); empty for a release. Build metadata is dropped (§10). */
  pre: (string | number)[];
}

// semver.org §2, §9, §10; a leading "v" and missing minor/patch are accepted because CVE records
// with versionType "semver" routinely write "0" or "6.3" as bounds.
const SEMVER_RE =
  /^v?(0|[1-9]\d{0,14})(?:\.(0|[1-9]\d{0,14}))?(?:\.(0|[1-9]\d{0,14}))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export function parseSemver(input: string): Semver {
  const v = tryParseSemver(input);
  if (!v)
    throw invalid(`"${input.slice(0, 60)}" is not a semantic version`, [
      { field: 'version', message: 'not semver' },
    ]);
  return v;
}

/** parseSemver without the exception (matching calls this for every version it sees). */
export function tryParseSemver(input: string): Semver | null {
  const m = SEMVER_RE.exec(input.trim());
  if (!m) return null;
  const pre =
    m[4] === undefined ? [] : m[4].split('.').map((id) => (/^(0|[1-9]\d*)$/.test(id) ? Number(id) : id));
  return { major: Number(m[1]), minor: Number(m[2] ?? 0), patch: Number(m[3] ?? 0), pre };
}

/** semver.org §11: precedence. */
export function compareSemver(a: Semver, b: Semver): number {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  // §11.3: a pre-release has lower precedence than the release.
  if (a.pre.length === 0 || b.pre.length === 0)
    return a.pre.length === b.pre.length ? 0 : a.pre.length === 0 ? 1 : -1;
  const n = Math.min(a.pre.length, b.pre.length);
  for (let i = 0; i < n; i++) {
    const x = a.pre[i];
    const y = b.pre[i];
    if (x === y) continue;
    // §11.4.3: numeric identifiers sort below alphanumeric ones.
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return a.pre.length === b.pre.length ? 0 : a.pre.length < b.pre.length ? -1 : 1;
}
