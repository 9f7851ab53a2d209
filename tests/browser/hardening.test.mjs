// Browser test of issue 10 in the web UI: the order list's CSV export holds every order that
// matches the filters (paged through the API, not only the 50 rows on screen) with formula-like
// cells defused; attachments and evidence are links only for our own files and http(s) URLs.
// Runs a real `jiesu serve` over the demo district in headless chromium; a missing browser or
// element fails the test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBrowser, startServer, launch, newPage, login, settled, api, apiToken } from './lib.mjs';

requireBrowser(); // throws when chromium is missing

let server, b, page;

before(async () => {
  server = await startServer({ orders: 120 });
  b = await launch();
  page = await newPage(b, server);
  await login(page, 'supervisor1');
});
after(async () => {
  await b?.close();
  await server?.stop();
});

test('the order list exports every matching order, not only the rows shown', async () => {
  const token = await apiToken(server, 'supervisor1');
  let total = 0;
  let cursor = '';
  do {
    const r = await api(server, 'GET', `/orders?limit=500${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`, { token });
    assert.equal(r.status, 200);
    total += r.json.items.length;
    cursor = r.json.next_cursor || '';
  } while (cursor);
  assert.ok(total > 50, `the demo has ${total} orders, more than one page of 50`);

  await page.goto(`${server.url}/#/orders`);
  await settled(page);
  await page.waitForSelector('#orders-export');
  const shown = await page.$$eval('.view tbody tr', (trs) => trs.length);
  assert.equal(shown, 50, 'one page of 50 is on screen');
  await page.evaluate(() => {
    window.__csv = [];
    const orig = URL.createObjectURL;
    URL.createObjectURL = (blob) => { window.__csv.push(blob); return orig.call(URL, blob); };
  });
  await page.click('#orders-export');
  await page.waitForFunction(() => window.__csv.length > 0 || /导出失败/.test(document.querySelector('.view .toolbar')?.textContent))
    .catch(() => {});
  assert.equal(await page.evaluate(() => window.__csv.length), 1, `no CSV: ${await page.textContent('.view .toolbar')} ${page.errors.join('; ')}`);
  const text = await page.evaluate(() => window.__csv[0].text());
  const lines = text.replace(/^\uFEFF/, '').trim().split('\r\n').filter((l) => /^\d{13},/.test(l));
  assert.equal(lines.length, total, 'every order in the CSV');
  assert.match(await page.textContent('.view .toolbar'), new RegExp(`已导出全部 ${total} 件`));
  assert.deepEqual(page.errors, []);
});

test('CSV cells and links are defused in the browser', async () => {
  const got = await page.evaluate(async () => {
    const ui = await import('/js/ui.js');
    const hrefs = ['/api/v1/files/0123456789abcdef0123456789abcdef', 'https://files.example.org/1.jpg', 'HTTP://x.example/a',
      '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', ' javascript:alert(1)', 'JaVaScRiPt:alert(1)',
      'data:text/html,<script>alert(1)</script>', 'vbscript:x', '/files/1', 'u', 'https:///nohost', 'http:evil', '/api/v1/files/'];
    return {
      hrefs: hrefs.map((u) => ui.safeHref(u)),
      csv: ui.toCsv(['a', 'b'], [['=1+1', -3], ['+86 138', '@x'], ['-cmd', 'ok'], ['\tx', 'a,b']]),
    };
  });
  assert.deepEqual(got.hrefs, ['/api/v1/files/0123456789abcdef0123456789abcdef', 'https://files.example.org/1.jpg', 'HTTP://x.example/a',
    null, null, null, null, null, null, null, null, null, null, null, null]);
  assert.equal(got.csv, "a,b\r\n'=1+1,-3\r\n'+86 138,'@x\r\n'-cmd,ok\r\n'\tx,\"a,b\"\r\n");
});

test('an order page shows a stored file and an http(s) attachment as links, nothing else', async () => {
  const token = await apiToken(server, 'agent1');
  const r = await api(server, 'POST', '/orders', {
    token,
    body: {
      channel: 'hotline-12345', type: 'complaint', title: '附件链接测试', text: '附件链接测试', address: '多福巷12号',
      attachments: [{ name: '现场照片', url: 'https://files.example.org/1.jpg' }, { name: '旧系统编号', url: 'old/42.pdf' }],
    },
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const bad = await api(server, 'POST', '/orders', {
    token,
    body: { channel: 'hotline-12345', type: 'complaint', title: 't', text: 't', attachments: [{ name: 'x', url: 'javascript:alert(1)' }] },
  });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.error.field, 'attachments[0].url');
  await page.goto(`${server.url}/#/order/${r.json.order.id}`);
  await settled(page);
  await page.waitForSelector('.attachment');
  const atts = await page.$$eval('.attachment', (els) => els.map((e) => ({ text: e.textContent, href: e.querySelector('a')?.getAttribute('href') || null })));
  const photo = atts.find((a) => a.text.includes('现场照片'));
  const old = atts.find((a) => a.text.includes('旧系统编号'));
  assert.equal(photo?.href, 'https://files.example.org/1.jpg');
  assert.ok(old, JSON.stringify(atts));
  assert.equal(old.href, null, 'a relative reference is text');
});
