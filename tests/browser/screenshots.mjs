// `make screenshots`: a PNG of each main screen, as each role sees it, in docs/screenshots/.
// Starts its own server over the demo district (or uses JIESU_URL), drives /usr/bin/chromium,
// and fails if a screen logs a console error.
// Usage: node tests/browser/screenshots.mjs [--width 1366 --height 768] [--only NAME] [--out DIR]
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT, requireBrowser, startServer, launch, newPage, login, settled, apiToken, api } from './lib.mjs';

const argv = process.argv.slice(2);
const opt = (k, d) => { const i = argv.indexOf('--' + k); return i >= 0 ? argv[i + 1] : d; };
const width = Number(opt('width', 1366)), height = Number(opt('height', 768));
const only = opt('only', '');
const outDir = path.resolve(opt('out', path.join(ROOT, 'docs/screenshots')));

requireBrowser(); // throws when chromium is missing: a test fails, never skips

const server = process.env.JIESU_URL ? { url: process.env.JIESU_URL, stop: async () => {} } : await startServer({ orders: 300 });
const b = await launch();
mkdirSync(outDir, { recursive: true });
let failed = 0;

// Pick interesting orders and a unit with work to show.
const admin = await apiToken(server, 'admin');
const list = async (q) => (await api(server, 'GET', '/orders?limit=200&' + q, { token: admin })).json.items;
const handling = (await list('status=handling&sort=updated_desc'))[0];
const busy = (await list('status=handling,dispatched&sort=updated_desc'));
const codes = new Map((await api(server, 'GET', '/units', { token: admin })).json.items.map((u) => [u.id, u.code]));
const unitCounts = new Map();
for (const o of busy) for (const a of o.units) if (a.active) unitCounts.set(a.unit_id, (unitCounts.get(a.unit_id) || 0) + 1);
const unitId = [...unitCounts.entries()].sort((a, b2) => b2[1] - a[1])[0][0];
const unitCode = codes.get(unitId);
const unitOrder = busy.find((o) => o.units.some((a) => a.active && a.unit_id === unitId));
const reopened = (await list('sort=updated_desc')).find((o) => o.reopens >= 2) || handling;
// A unit that keeps knowledge-base entries (the demo seeds them from the real replies).
const kbDraft = (await api(server, 'GET', '/kb?status=draft&limit=1', { token: admin })).json.items[0];
const kbUnitCode = codes.get(kbDraft.unit_id);
// An open order with a caller, for the intake screen's side panels.
let repeat = null;
for (const o of busy) {
  const full = (await api(server, 'GET', '/orders/' + o.id, { token: admin })).json;
  if (!full.anonymous && full.citizen_phone && full.text) { repeat = full; break; }
}

const shots = [
  { name: '01-login', as: null, go: '#/login', wait: '#login-form' },
  { name: '02-intake', as: 'agent1', go: '#/intake', wait: '#intake-form' },
  { name: '03-orders-search', as: 'agent1', go: '#/orders', wait: '#search-form' },
  { name: '04-dispatch-queues', as: 'dispatcher1', go: '#/dispatch?tab=returned', wait: '.tabs' },
  { name: '05-dispatch-form', as: 'dispatcher1', go: '#/dispatch?tab=filed', wait: '.tabs', then: async (p) => { const btn = p.locator('button[data-action=dispatch]').first(); if (await btn.count()) { await btn.click(); await p.waitForSelector('.modal'); } } },
  { name: '06-order-page', as: 'dispatcher1', go: `#/order/${reopened.id}`, wait: '#timeline' },
  { name: '07-unit-workbench', as: `op-${unitCode}`, go: '#/inbox?tab=handling', wait: '.tabs' },
  { name: '08-unit-order-masked', as: `op-${unitCode}`, go: `#/order/${unitOrder.id}`, wait: '#timeline' },
  { name: '09-unit-assessment', as: `lead-${unitCode}`, go: '#/assess', wait: 'h1' },
  { name: '10-review-queue', as: 'reviewer1', go: '#/review', wait: '.tabs' },
  { name: '11-callback-queue', as: 'callback1', go: '#/callback', wait: '.tabs' },
  { name: '12-dashboard', as: 'supervisor1', go: '#/dashboard?days=90', wait: '#c-day canvas', full: true },
  { name: '13-supervise', as: 'supervisor1', go: '#/supervise', wait: '.tabs' },
  { name: '14-assessment-ranking', as: 'leader1', go: '#/assess', wait: 'h1' },
  { name: '15-admin-units', as: 'admin', go: '#/admin/units', wait: 'table' },
  { name: '16-admin-users', as: 'admin', go: '#/admin/users', wait: 'table' },
  { name: '17-admin-catalogue', as: 'admin', go: '#/admin/catalogue', wait: 'table' },
  { name: '18-admin-calendar', as: 'admin', go: '#/admin/calendar', wait: '.calendar' },
  { name: '19-admin-policy', as: 'admin', go: '#/admin/policy', wait: '#save-policy' },
  { name: '20-audit', as: 'auditor1', go: '#/audit', wait: 'table' },
  { name: '21-search', as: 'agent1', go: `#/search?q=${encodeURIComponent('停车')}`, wait: '#search-results table' },
  { name: '22-intake-panels', as: 'agent1', go: '#/intake', wait: '#intake-form', then: async (p) => {
    // A repeat call of an open order: the caller's history, likely duplicates and suggestions.
    await p.fill('#intake-form [data-field=citizen_phone] input', repeat.citizen_phone);
    await p.fill('#intake-form [data-field=citizen_name] input', repeat.citizen_name);
    await p.fill('#intake-form [data-field=title] input', '再次反映：' + repeat.title.slice(0, 20));
    await p.fill('#intake-form [data-field=text] textarea', '问题还没有解决。' + repeat.text.slice(10, 160));
    await p.fill('#intake-form [data-field=address] input', repeat.address || '');
    await p.waitForSelector('#caller-history li, #caller-history #first-call');
    await p.waitForSelector('#duplicates li');
    await p.waitForSelector('#suggestions button.suggest-cat');
  } },
  { name: '23-admin-synonyms', as: 'admin', go: '#/admin/synonyms', wait: '#synonym-groups' },
  { name: '24-kb-review', as: 'supervisor1', go: '#/kb?tab=review', wait: '#kb-list table' },
  { name: '25-kb-unit', as: `op-${kbUnitCode}`, go: '#/kb', wait: '#kb-list table' },
  { name: '27-admin-schemes', as: 'admin', go: '#/admin/schemes', wait: '#scheme-preview tbody tr' },
  { name: '28-admin-calendar-year', as: 'admin', go: '#/admin/calendar?year=2027', wait: '#calendar-warning' },
  { name: '29-order-print', as: 'dispatcher1', go: `#/order/${reopened.id}`, wait: '#timeline', full: true, then: async (p) => { await p.emulateMedia({ media: 'print' }); } },
  { name: '30-dispatch-bulk', as: 'dispatcher1', go: '#/dispatch?tab=new', wait: '#bulk-file', then: async (p) => { const boxes = p.locator('.view tbody input[type=checkbox]'); for (let i = 0; i < Math.min(3, await boxes.count()); i++) await boxes.nth(i).check(); } },
  { name: '26-intake-kb', as: 'agent1', go: '#/intake', wait: '#intake-form', then: async (p) => {
    // The knowledge-base panel while a consultation is typed, one entry cited.
    await p.fill('#intake-form [data-field=title] input', '咨询公积金贷款条件');
    await p.fill('#intake-form [data-field=text] textarea', '想问一下公积金按揭贷款的条件是什么，银行说条件很苛刻');
    await p.waitForSelector('#kb-panel li.kb-hit');
    await p.click('#kb-panel li.kb-hit button.kb-cite');
    await p.waitForSelector('#kb-picked');
  } },
];

for (const s of shots) {
  if (only && !s.name.includes(only)) continue;
  const page = await newPage(b, server, { width, height });
  try {
    if (s.as) await login(page, s.as);
    await page.goto(server.url + '/' + s.go);
    await settled(page);
    await page.waitForSelector(s.wait);
    if (s.then) await s.then(page);
    await page.waitForTimeout(300);
    const file = path.join(outDir, `${s.name}.png`);
    await page.screenshot({ path: file, fullPage: !!s.full });
    if (page.errors.length) { failed++; console.log(`screenshots: ${s.name}: console errors:\n  ${page.errors.join('\n  ')}`); }
    else console.log(`screenshots: ${path.relative(ROOT, file)}`);
  } catch (err) {
    failed++;
    console.log(`screenshots: ${s.name}: ${err.message.split('\n')[0]}`);
  } finally {
    await page.close();
  }
}
await b.close();
await server.stop();
if (failed) { console.log(`screenshots: ${failed} screen(s) failed`); process.exit(1); }
