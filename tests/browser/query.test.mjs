// Browser test of issue 15 point 3: the citizen's query page at 390 px (a phone), without a
// login. An order taken in by the hotline sends an acceptance notice with its number and query
// code; the page shows its status, deadline and unit for them, refuses a wrong code with the one
// message and nothing else, shows none of the citizen's data, and fits the screen. Runs a real
// `jiesu serve` over the demo district in headless chromium at 390×844.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBrowser, startServer, launch, newPage, api, apiToken } from './lib.mjs';

requireBrowser(); // throws when chromium is missing

const PHONE = { width: 390, height: 844 };
let server, b, number, code, answered, answeredCode;

before(async () => {
  server = await startServer({ orders: 20 });
  b = await launch();
  const agent = await apiToken(server, 'agent1');
  const disp = await apiToken(server, 'dispatcher1');
  const sup = await apiToken(server, 'supervisor1');
  const op = await apiToken(server, 'op-s01');
  const me = (await api(server, 'GET', '/me', { token: op })).json;
  const r = await api(server, 'POST', '/orders', { token: agent, body: { channel: 'hotline-12345', type: 'complaint',
    title: '自助查询测试：路灯不亮', text: '小区路灯不亮三天了。', citizen_name: '李四光', citizen_phone: '13800003333', address: '城关街道1号' } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const o = r.json.order || r.json;
  number = o.number;
  for (const [token, action, args] of [[agent, 'file', {}], [disp, 'dispatch', { unit_id: (me.user || me).unit_id }]]) {
    const cur = (await api(server, 'GET', `/orders/${o.id}`, { token })).json;
    const res = await api(server, 'POST', `/orders/${o.id}/actions/${action}`, { token, body: { version: Number((cur.order || cur).version), ...args } });
    assert.ok(res.status < 300, `${action}: ${JSON.stringify(res.json)}`);
  }
  // a second order, answered directly
  const r2 = await api(server, 'POST', '/orders', { token: agent, body: { channel: 'hotline-12345', type: 'consult',
    title: '自助评价测试：办证材料', text: '居住证需要哪些材料？', citizen_name: '王五', citizen_phone: '13800004444' } });
  const o2 = r2.json.order || r2.json;
  answered = o2.number;
  const ans = await api(server, 'POST', `/orders/${o2.id}/actions/answer`, { token: agent, body: { version: Number(o2.version), answer: '请携带身份证和租房合同到社区服务站办理。' } });
  assert.ok(ans.status < 300, JSON.stringify(ans.json));
  const box = (await api(server, 'GET', '/outbox?limit=500', { token: sup })).json.items;
  const codeFor = (n) => box.find((m) => m.kind === 'acceptance' && JSON.stringify(m).includes(n)).text.match(/查询码([2-9A-Z]{8})/)[1];
  code = codeFor(number);
  answeredCode = codeFor(answered);
});
after(async () => {
  await b?.close();
  await server?.stop();
});

async function fits(page) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= PHONE.width + 1, `the page is ${w}px wide at ${PHONE.width}px`);
}

test('number and code show the status, the deadline and the unit; a wrong code shows nothing', async () => {
  const p = await newPage(b, server, PHONE);
  const failed = [];
  p.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${new URL(r.url()).pathname}`); });
  await p.goto(server.url + '/query.html');
  await fits(p);
  // a wrong code: the one message, no result
  await p.fill('#number', number);
  await p.fill('#code', 'AAAAAAAA');
  await p.click('#go');
  await p.locator('#error').waitFor({ state: 'visible' });
  assert.equal(await p.textContent('#error'), '工单编号或查询码不正确');
  assert.equal(await p.isVisible('#result'), false);
  // the right code
  await p.fill('#code', code.toLowerCase());
  await p.click('#go');
  await p.locator('#result').waitFor({ state: 'visible' });
  assert.equal(await p.isVisible('#error'), false);
  assert.equal(await p.textContent('#r-number'), number);
  assert.equal(await p.textContent('#r-status'), '待签收');
  assert.match(await p.textContent('#r-deadline'), /^\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d$/);
  assert.match(await p.textContent('#r-unit'), /\S/);
  assert.match(await p.textContent('#r-answer'), /暂无答复/);
  const body = await p.textContent('body');
  for (const secret of ['李四光', '13800003333', '城关街道1号', '路灯不亮']) assert.ok(!body.includes(secret), `${secret} shown`);
  assert.ok(!/\d{4}-\d\d-\d\dT/.test(body), 'no raw ISO time');
  await fits(p);
  // adding information
  assert.ok(await p.isVisible('#add'));
  await p.fill('#add-text', '路灯今晚仍然不亮，附近很黑。');
  await p.click('#add-go');
  await p.locator('#add-done').waitFor({ state: 'visible' });
  assert.equal(await p.inputValue('#add-text'), '');
  const op = await apiToken(server, 'op-s01');
  const unitView = (await api(server, 'GET', `/orders/${number}`, { token: op })).json;
  assert.match((unitView.order || unitView).text, /【诉求人补充 .*】路灯今晚仍然不亮/);
  // a photo from the camera (the file input), sent as it is
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  await p.setInputFiles('#add-photos', { name: 'IMG_李四光.png', mimeType: 'image/png', buffer: png });
  await p.click('#add-go');
  await p.locator('#add-done').waitFor({ state: 'visible' });
  const withPhoto = (await api(server, 'GET', `/orders/${number}`, { token: op })).json;
  const atts = (withPhoto.order || withPhoto).attachments.filter((a) => a.kind === 'citizen_photo');
  assert.deepEqual(atts.map((a) => a.name), ['诉求人照片-1.png'], 'named for what it is, not by the phone');
  await fits(p);
  const btn = await p.locator('#go').boundingBox();
  assert.ok(btn.x >= 0 && btn.x + btn.width <= PHONE.width, 'the button lies within the screen');
  assert.ok(btn.height >= 40, 'a button a finger can press');
  // the only failed load is the refused query (the browser logs it as a console error)
  assert.deepEqual(failed, ['404 /api/v1/public/query']);
  assert.deepEqual(p.errors.filter((e) => !/status of 404/.test(e)), []);
  assert.equal(p.errors.length, 1);
  await p.close();
});

test('an answered order shows the answer and takes the rating once', async () => {
  const p = await newPage(b, server, PHONE);
  await p.goto(server.url + '/query.html');
  await p.fill('#number', answered);
  await p.fill('#code', answeredCode);
  await p.click('#go');
  await p.locator('#result').waitFor({ state: 'visible' });
  assert.equal(await p.textContent('#r-status'), '已直接答复');
  assert.match(await p.textContent('#r-answer'), /请携带身份证和租房合同/);
  assert.ok(await p.isVisible('#rate'));
  await fits(p);
  await p.click('#rate-go'); // nothing chosen: asked to choose
  await p.locator('#rate-error').waitFor({ state: 'visible' });
  assert.equal(await p.textContent('#rate-error'), '请选择是否解决和满意程度');
  await p.check('input[name=solved][value=true]');
  await p.check('input[name=satisfaction][value=basic]');
  await p.click('#rate-go');
  await p.locator('#r-rated').waitFor({ state: 'visible' });
  assert.equal(await p.textContent('#r-rated'), '您的评价：基本满意');
  assert.equal(await p.isVisible('#rate'), false, 'once only');
  await fits(p);
  assert.deepEqual(p.errors, []);
  // recorded on the order as the callback's answer
  const cb = await apiToken(server, 'callback1');
  const list = (await api(server, 'GET', `/orders?limit=50&status=answered`, { token: cb })).json.items;
  const o = list.find((x) => x.number === answered);
  assert.equal(o.cb_satisfaction, 'basic');
  await p.close();
});

test('the public list of handled orders shows only when published, without personal data', async () => {
  let p = await newPage(b, server, PHONE);
  await p.goto(server.url + '/query.html');
  await p.waitForLoadState('networkidle');
  assert.equal(await p.isVisible('#public'), false, 'not published: not shown');
  await p.close();
  const admin = await apiToken(server, 'admin');
  const pol = (await api(server, 'GET', '/policy', { token: admin })).json;
  const put = (overrides) => api(server, 'PUT', '/policy', { token: admin, body: { preset: pol.preset, overrides } });
  assert.equal((await put({ ...pol.overrides, public_list: true })).status, 200);
  try {
    p = await newPage(b, server, PHONE);
    await p.goto(server.url + '/query.html');
    await p.locator('#public').waitFor({ state: 'visible' });
    const text = await p.textContent('#public');
    assert.match(text, /请携带身份证和租房合同/, 'the answered order is listed with its answer');
    for (const secret of ['王五', '13800004444', '办证材料', '居住证需要']) assert.ok(!text.includes(secret), `${secret} shown`);
    assert.ok(!/\d{4}-\d\d-\d\dT/.test(text), 'no raw ISO time');
    await fits(p);
    assert.deepEqual(p.errors, []);
    await p.close();
  } finally {
    assert.equal((await put(pol.overrides)).status, 200);
  }
});
