// Browser test of issue 16 point 2: no English reaches a user. The login error, every refusal
// the web UI would show for a set of API refusals (each error code the API answers, through the
// UI's own errorText), the order page's timeline (the scheduler's urges with their due times and
// counts, the actor 系统), the order header, the policy screen's sources and the appeal list read
// Chinese, with no English word of three letters or more but codes and field names, and no raw
// ISO time. Runs a real `jiesu serve` over the demo district in headless chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBrowser, startServer, launch, newPage, login, settled, api, apiToken } from './lib.mjs';

requireBrowser(); // throws when chromium is missing

let server, b;

before(async () => {
  server = await startServer({ orders: 120 });
  b = await launch();
});
after(async () => {
  await b?.close();
  await server?.stop();
});

/** English words of text people read (3+ letters; snake_case names and allowed words aside). */
function english(text, allowed = []) {
  const ok = new Set(['UTF-8', 'JSON', 'application/json', 'application', 'json', 'Ctrl', 'Enter', 'Alt', 'Esc', 'CSV', 'XLSX', 'Excel', 'true', 'false', ...allowed]);
  return (String(text).match(/[A-Za-z][A-Za-z0-9_.-]*/g) || [])
    .map((w) => w.replace(/[.-]+$/, ''))
    .filter((w) => (w.match(/[A-Za-z]/g) || []).length >= 3 && !/_/.test(w) && !ok.has(w));
}

test('the login error is Chinese', async () => {
  const page = await newPage(b, server);
  await page.goto(server.url + '/#/login');
  await page.fill('#login-form input[name=login]', 'agent1');
  await page.fill('#login-form input[name=password]', 'not-the-password');
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#login-form .form-error:not(:empty)');
  const msg = await page.textContent('#login-form .form-error');
  assert.match(msg, /登录名或密码错误/);
  assert.deepEqual(english(msg), [], msg);
  await page.close();
});

test('every refusal the UI shows is Chinese', async () => {
  const admin = await apiToken(server, 'admin');
  const orders = (await api(server, 'GET', '/orders?limit=200', { token: admin })).json.items;
  const open = orders.find((o) => o.status === 'handling' || o.status === 'dispatched');
  const closed = orders.find((o) => o.status === 'closed' || o.status === 'archived');
  assert.ok(open && closed, 'the demo has open and closed orders');
  const page = await newPage(b, server);
  await login(page, 'dispatcher1');
  // Requests the API refuses, one or more per error code, sent by the page itself; what the UI
  // would show for each (ui.js errorText) is collected.
  const shown = await page.evaluate(async ({ open, closed }) => {
    const api = await import('/js/api.js');
    const { errorText } = await import('/js/ui.js');
    const tries = [
      ['POST', '/orders', { title: 'x' }], // missing_field
      ['POST', '/orders', { channel: 'hotline-12345', type: 'complaint', title: 't', text: 'x', colour: 1 }], // unknown_field
      ['POST', '/orders', { channel: 'hotline-12345', type: 'complaint', title: 5, text: 'x' }], // wrong_type
      ['POST', '/orders', { channel: 'hotline-12345', type: 'nonsense', title: 't', text: 'x' }], // invalid
      ['POST', '/orders', { channel: 'hotline-12345', type: 'complaint', title: '长'.repeat(300), text: 'x' }], // too_long
      ['POST', '/orders', { raw: '{"title": ', type: 'application/json' }], // bad_json
      ['POST', '/orders', { raw: 'x', type: 'text/plain' }], // unsupported_media
      ['GET', '/orders/99999999'], // not_found
      ['GET', '/orders?colour=red'], // unknown query parameter
      ['GET', '/orders?limit=0'],
      ['GET', '/orders?status=nope'],
      ['GET', '/orders?from=yesterday'],
      ['POST', `/orders/${open.id}/actions/file`, { version: open.version }], // bad_state
      ['POST', `/orders/${open.id}/actions/sign`, { version: open.version }], // forbidden
      ['POST', `/orders/${open.id}/actions/dispatch`, { version: open.version + 7, unit_id: 1 }], // version_conflict
      ['POST', `/orders/${closed.id}/actions/reopen`, { version: closed.version, reason: '不满意' }],
      ['POST', '/users', { login: 'x' }], // forbidden for a dispatcher
      ['PUT', '/policy', { preset: 'nope' }],
      ['DELETE', '/policy'], // method_not_allowed
    ];
    const out = [];
    for (const [m, p, body] of tries) {
      try {
        await api.request(m, p, body, { noAuthRedirect: true });
        out.push({ p, ok: true });
      } catch (err) {
        out.push({ p, code: err.code, status: err.status, field: err.field, raw: err.message, text: errorText(err) });
      }
    }
    // Without a session: unauthorized.
    const tok = api.getToken();
    api.setToken('');
    try { await api.request('GET', '/orders', undefined, { noAuthRedirect: true }); } catch (err) {
      out.push({ p: 'no token', code: err.code, status: err.status, field: err.field, raw: err.message, text: errorText(err) });
    }
    api.setToken(tok);
    return out;
  }, { open, closed });
  const codes = new Set(shown.map((s) => s.code));
  for (const c of ['missing_field', 'unknown_field', 'wrong_type', 'invalid', 'too_long', 'bad_json', 'not_found', 'bad_state', 'forbidden', 'version_conflict', 'unauthorized']) {
    assert.ok(codes.has(c), `a refusal with code ${c} was tried: ${JSON.stringify(shown)}`);
  }
  for (const s of shown) {
    assert.ok(!s.ok, `${s.p} was not refused`);
    assert.match(s.text, /[\u4e00-\u9fff]/, `${s.p}: ${s.text}`);
    assert.deepEqual(english(s.text, [s.field, 'colour', 'nope', 'yesterday', 'hotline-12345', 'DELETE', 'complaint', 'consult', 'suggest', 'help', 'report', 'request', 'praise']), [], `${s.p} (${s.code}): ${s.text} [${s.raw}]`);
    assert.doesNotMatch(s.text, /\d{4}-\d{2}-\d{2}T\d{2}/, `${s.p}: a raw ISO time`);
  }
  // The table of kinds of refusal in the UI, for every code with an English message.
  const kinds = await page.evaluate(async () => {
    const { errorText } = await import('/js/ui.js');
    const codes = ['not_found', 'forbidden', 'version_conflict', 'bad_state', 'window_closed', 'attachment_required', 'rule_violation',
      'missing_field', 'unknown_field', 'wrong_type', 'too_long', 'invalid', 'bad_json', 'unauthorized', 'rate_limited', 'exists',
      'too_large', 'busy', 'network', 'internal', 'database', 'io', 'no_memory', 'bad_utf8', 'unsupported_media'];
    return codes.map((code) => errorText({ code, message: 'the return window closed at 2026-11-22T09:30:00+08:00', field: 'until' }));
  });
  for (const t of kinds) assert.deepEqual(english(t), [], t);
  // the refused requests are logged by the browser as failed loads; nothing else went wrong
  assert.deepEqual(page.errors.filter((e) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(e)), []);
  await page.close();
});

test('the timeline, the order header and the policy sources read Chinese', async () => {
  const admin = await apiToken(server, 'admin');
  const orders = (await api(server, 'GET', '/orders?limit=200', { token: admin })).json.items;
  // one with coordinates if any: its intake event lists them (lat and lon once showed in English)
  let target = null;
  for (const o of orders) {
    const full = (await api(server, 'GET', `/orders/${o.id}`, { token: admin })).json;
    if (!(full.timeline || []).some((ev) => ev.args && ev.args.due)) continue;
    if (!target || (full.has_coords && !target.has_coords)) target = full;
    if (target.has_coords) break;
  }
  assert.ok(target, 'the demo has an order the scheduler marked with a due time');
  const page = await newPage(b, server);
  await login(page, 'supervisor1');
  await page.goto(`${server.url}/#/order/${target.id}`);
  await settled(page);
  await page.waitForSelector('#timeline');
  const tl = await page.textContent('#timeline');
  assert.doesNotMatch(tl, /\d{4}-\d{2}-\d{2}T\d{2}/, 'no raw ISO time in the timeline');
  assert.deepEqual(english(tl), [], tl.slice(0, 2000));
  assert.match(tl, /期限/);
  assert.match(tl, /\d{4}年\d{2}月\d{2}日 \d{2}:\d{2}/);
  const sysEv = target.timeline.find((ev) => !ev.actor?.user_id);
  if (sysEv) assert.match(tl, /系统/);
  const head = await page.textContent('.order-head');
  assert.doesNotMatch(head, /版本 \d/);
  assert.deepEqual(english(head), [], head);
  assert.deepEqual(page.errors, []);
  await page.close();

  const ad = await newPage(b, server);
  await login(ad, 'admin');
  await ad.goto(`${server.url}/#/admin/policy`);
  await settled(ad);
  await ad.waitForSelector('#save-policy');
  const heads = await ad.$$eval('.panel-head .muted', (els) => els.map((e) => e.textContent).join(' '));
  assert.doesNotMatch(heads, /\d{3}_[0-9a-f]{16}/, 'no seed file names');
  assert.match(heads, /依据：《/);
  const sources = await ad.$$eval('td.source-col', (tds) => tds.map((t) => t.textContent));
  assert.ok(sources.length > 10, `${sources.length} settings`);
  for (const s of sources) {
    assert.doesNotMatch(s, /\d{3}_[0-9a-f]{16}/, s);
    assert.deepEqual(english(s), [], s);
  }
  assert.deepEqual(ad.errors, []);
  await ad.close();
});

test('an appeal lists its indicators by their Chinese names', async () => {
  const admin = await apiToken(server, 'admin');
  const d = new Date(Date.now() + 8 * 3600e3);
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
  const period = `${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
  const rep = (await api(server, 'GET', `/assess?period=${period}`, { token: admin })).json;
  let filed = null;
  for (const unit of rep.units.filter((u) => u.received > 0)) {
    const t = await apiToken(server, `lead-${unit.code}`);
    const cases = (await api(server, 'GET', `/assess/units/${unit.unit_id}/orders?period=${period}`, { token: t })).json;
    const item = (cases.orders || []).find((o) => o.indicators && Object.keys(o.indicators).length);
    if (!item) continue;
    const ind = Object.keys(item.indicators)[0];
    const r = await api(server, 'POST', '/assess/appeals', { token: t, body: { order_id: Number(item.order_id), indicators: [ind], reason: '该件已按规定办理，申请复核', evidence: [{ name: '情况说明.pdf', url: 'https://example.org/evidence/notice.pdf' }] } });
    assert.ok(r.status < 300, JSON.stringify(r.json));
    filed = { ind, number: item.number };
    break;
  }
  assert.ok(filed, 'an appeal could be filed on the demo');
  const cat = (await api(server, 'GET', '/assess/indicators', { token: admin })).json.indicators;
  const name = cat.find((i) => i.id === filed.ind).label;
  const page = await newPage(b, server);
  await login(page, 'supervisor1');
  await page.goto(`${server.url}/#/assess?tab=appeals`);
  await settled(page);
  const row = page.locator(`tr:has(a:text-is("${filed.number}"))`);
  await row.waitFor();
  const text = await row.textContent();
  assert.ok(text.includes(name), `${name} in ${text}`);
  assert.ok(!text.includes(filed.ind), `the indicator id ${filed.ind} is shown: ${text}`);
  assert.deepEqual(page.errors, []);
  await page.close();
});
