// Helpers for the browser tests and the screenshots: a real `jiesu serve` over a fresh database
// with the demo district, headless /usr/bin/chromium driven by playwright-core with a fresh
// profile, log-in as any demo user, and a record of console errors per page.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.JIESU_BIN || path.join(ROOT, 'build', 'jiesu');
export const CHROMIUM = process.env.JIESU_CHROMIUM || '/usr/bin/chromium';
export const PASSWORD = 'jiesu-demo';
export const SHARED = process.env.JIESU_SHARED || path.join(ROOT, '..', 'shared');

/** Throws when the browser the tests drive is missing (a test fails, never skips). */
export function requireBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`browser tests cannot run: ${CHROMIUM} is not installed (scripts/setup --browser installs it)`);
  }
}

/** Makes sure web/vendor holds ECharts (copied from node_modules by scripts/vendor-web). */
export function vendorWeb() {
  if (!existsSync(path.join(ROOT, 'web/vendor/echarts-6.1.0.min.js'))) {
    execFileSync(path.join(ROOT, 'scripts/vendor-web'), { stdio: 'inherit' });
  }
}

/**
 * Starts `jiesu serve` on a free loopback port over a fresh database holding the demo district
 * (`jiesu init` + `jiesu demo --orders N`), serving the real web/ directory.
 */
export async function startServer({ orders = 120 } = {}) {
  vendorWeb();
  const dir = mkdtempSync(path.join(tmpdir(), 'jiesu-web-'));
  const db = path.join(dir, 'jiesu.db');
  try {
    execFileSync(BIN, ['init', '--db', db], { stdio: 'pipe' });
    execFileSync(BIN, ['demo', '--db', db, '--orders', String(orders), '--data', path.join(SHARED, 'data/tipdm2020c')], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${err.message}\n${err.stderr || ''}`);
  }
  // The scheduler thread is off (--tick-seconds 0) so that its urges do not race the clicks.
  const child = spawn(BIN, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--web', path.join(ROOT, 'web'), '--threads', '4', '--tick-seconds', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-100000); });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stderr}`)), 15000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/jiesu: 服务地址 (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited ${code}:\n${stderr}`)); });
  });
  for (let i = 0; ; i++) {
    try { if ((await fetch(url + '/healthz')).status === 200) break; } catch { /* not yet */ }
    if (i > 100) throw new Error('healthz never answered');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url, dir, db,
    log: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      const res = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 15000))]);
      rmSync(dir, { recursive: true, force: true });
      assert.deepEqual(res, { code: 0, signal: null }, `the server did not exit cleanly:\n${stderr.slice(-2000)}`);
    },
  };
}

/** Calls the API directly (test set-up and checks only; the flows themselves click). */
export async function api(server, method, p, { token, body } = {}) {
  const headers = {};
  if (token) headers.authorization = 'Bearer ' + token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(server.url + '/api/v1' + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

export async function apiToken(server, login) {
  const r = await api(server, 'POST', '/auth/login', { body: { login, password: PASSWORD } });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.token;
}

/** Launches headless chromium with a fresh profile directory (its --user-data-dir). */
export async function launch() {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(path.join(tmpdir(), 'jiesu-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1366, height: 768 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      acceptDownloads: true,
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  for (const p of context.pages()) await p.close();
  return {
    context,
    async close() { await context.close(); rmSync(profile, { recursive: true, force: true }); },
  };
}

/**
 * A new tab of the given size. The UI keeps each tab's session in sessionStorage (a tab that logs
 * in keeps its own user) and starts a new tab with the browser's last login (localStorage). Console
 * errors and page errors are recorded in page.errors.
 */
export async function newPage(b, server, { width = 1366, height = 768 } = {}) {
  const page = await b.context.newPage();
  await page.setViewportSize({ width, height });
  page.errors = [];
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  page.on('pageerror', (e) => page.errors.push('pageerror: ' + e.message));
  page.server = server;
  page.setDefaultTimeout(15000);
  return page;
}

/** Logs in through the login screen and waits for the role's home screen. */
export async function login(page, loginName, password = PASSWORD) {
  await page.goto(page.server.url + '/#/login');
  await page.fill('#login-form input[name=login]', loginName);
  await page.fill('#login-form input[name=password]', password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#topbar .user-name');
  await page.waitForSelector('.view');
}

/** Logs out through the top bar. */
export async function logout(page) {
  await page.click('#logout');
  await page.waitForSelector('#login-form');
}

/** Waits until the screen has finished loading (no "加载中" placeholder left). */
export async function settled(page) {
  await page.waitForSelector('.view');
  await page.waitForFunction(() => !document.querySelector('#main .loading'));
}
