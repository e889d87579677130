/**
 * Chromium for end-to-end tests: the system browser driven by playwright-core, a throwaway profile
 * per launch, and the dashboard bundle built when it is missing or older than its sources.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WEB_DIST = join(repo, 'web', 'dist');
export const RESULTS_DIR = join(repo, 'test-results');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Quiet, reproducible, offline: no GPU, no QUIC, no background fetches, no first-run UI. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser cannot run here, or null when it can. */
export function browserUnavailable(): string | null {
  return existsSync(CHROMIUM_PATH)
    ? null
    : `no Chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH to run the browser tests)`;
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Launch Chromium with a fresh temporary profile and open one page at a fixed desktop size. */
export async function launchBrowser(opts: { width?: number; height?: number } = {}): Promise<BrowserSession> {
  const profile = mkdtempSync(join(tmpdir(), 'cw-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
    viewport: { width: opts.width ?? 1440, height: opts.height ?? 900 },
    acceptDownloads: true,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Save a full-page screenshot to test-results/<name>.png and return its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function webIsFresh(): boolean {
  const built = join(WEB_DIST, 'index.html');
  if (!existsSync(built)) return false;
  const sources = [
    join(repo, 'web', 'src'),
    join(repo, 'web', 'index.html'),
    join(repo, 'web', 'vite.config.ts'),
  ];
  const newestSource = Math.max(...sources.filter(existsSync).map(newestMtime));
  return statSync(built).mtimeMs >= newestSource;
}

function runBuild(): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn('npm', ['run', 'build:web', '--silent'], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b) => {
      output += b;
    });
    child.stderr.on('data', (b) => {
      output += b;
    });
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? ok() : fail(new Error(`npm run build:web failed (exit ${code}):\n${output.slice(-4000)}`)),
    );
  });
}

/**
 * Build web/dist when it is missing or older than web/src (`npm test` builds it first, so this only
 * runs for a direct `vitest run test/e2e`). Test files run in parallel workers: a lock directory
 * makes one build while the others wait for it.
 */
export async function ensureWebBuilt(): Promise<void> {
  if (webIsFresh()) return;
  mkdirSync(RESULTS_DIR, { recursive: true });
  const lock = join(RESULTS_DIR, '.web-build-lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another worker builds; a lock older than 3 minutes is left over from a killed run.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 180_000)
        rmSync(lock, { recursive: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 250));
      if (webIsFresh()) return;
    }
  }
  try {
    if (!webIsFresh()) await runBuild();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  if (!existsSync(join(WEB_DIST, 'index.html')))
    throw new Error(`npm run build:web finished but ${WEB_DIST}/index.html is missing`);
}

/** The text as rendered (table cells tab-separated, hidden text left out), unlike textContent. */
export function visibleText(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator, not a DOM node; innerText is meant
  return locator.innerText();
}
