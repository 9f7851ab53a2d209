// Browser test of issue 14 point 8 on the order page: an order under 派单前会商 shows its state in
// the 会商与协调 panel, the supervisor records the consultation's outcome through its form, then a
// 联席会议 attached to the order and a 问责 record, all shown in Chinese with Chinese dates; the
// unit leader sees the instruction handed to the unit and its due time. Runs a real
// `jiesu serve` over the demo district in headless chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBrowser, startServer, launch, newPage, login, settled, api, apiToken } from './lib.mjs';

requireBrowser(); // throws when chromium is missing

let server, b, sup, orderId, unitId;

before(async () => {
  server = await startServer({ orders: 20 });
  b = await launch();
  const agent = await apiToken(server, 'agent1');
  const disp = await apiToken(server, 'dispatcher1');
  const opTok = await apiToken(server, 'op-s01');
  const me = (await api(server, 'GET', '/me', { token: opTok })).json;
  unitId = (me.user || me).unit_id;
  const r = await api(server, 'POST', '/orders', {
    token: agent,
    body: { channel: 'hotline-12345', type: 'complaint', title: '小区内违建无人管', text: '职责不清，多次反映无果。', citizen_name: '李女士', citizen_phone: '13912340000', address: '城关街道测试路2号' },
  });
  assert.ok(r.status < 300, JSON.stringify(r.json));
  orderId = (r.json.order || r.json).id;
  const step = async (token, action, args = {}) => {
    const o = (await api(server, 'GET', `/orders/${orderId}`, { token })).json;
    const res = await api(server, 'POST', `/orders/${orderId}/actions/${action}`, { token, body: { version: Number(o.version), ...args } });
    assert.ok(res.status < 300, `${action}: ${JSON.stringify(res.json)}`);
  };
  await step(agent, 'file');
  await step(disp, 'consult', { topic: '职责不清，召集相关单位会商', units: [unitId] });
  sup = await newPage(b, server);
  await login(sup, 'supervisor1');
});
after(async () => {
  await b?.close();
  await server?.stop();
});

test('the consultation, a meeting and an accountability record on the order page', async () => {
  await sup.goto(`${server.url}/#/order/${orderId}`);
  await settled(sup);
  assert.match(await sup.textContent('#consult-state'), /会商中/);
  await sup.click('#order-actions button[data-action=consult_result]');
  await sup.waitForSelector('.modal form');
  await sup.fill('.modal [data-field=outcome] textarea', '由城关街道牵头办理');
  await sup.click('.modal button[type=submit]');
  await sup.waitForSelector('.modal', { state: 'detached' });
  await settled(sup);
  await sup.waitForSelector('#timeline li[data-action=consult_result]');
  assert.match(await sup.textContent('#consult-state'), /会商已有结果/);

  await sup.waitForSelector('#order-meetings');
  assert.match(await sup.textContent('#order-meetings'), /暂无协调会议记录/);
  await sup.click('#add-meeting');
  await sup.waitForSelector('.modal form');
  await sup.selectOption('.modal [data-field=kind] select', 'joint');
  await sup.fill('.modal [data-field=title] input', '违建问题联席会议');
  await sup.fill('.modal [data-field=held_at] input', '2026-12-01T09:30');
  await sup.fill('.modal [data-field=convener] input', '区政府办公室');
  await sup.fill('.modal [data-field=people] input', '王科长、李主任');
  await sup.fill('.modal [data-field=decisions] textarea', '由城关街道牵头，城管执法配合拆除');
  await sup.click('.modal button[type=submit]');
  await sup.waitForSelector('.modal', { state: 'detached' });
  await settled(sup);
  await sup.waitForSelector('#order-meetings li.meeting');
  const meeting = await sup.textContent('#order-meetings');
  assert.match(meeting, /【联席会议】违建问题联席会议/);
  assert.match(meeting, /2026年12月0?1日/);
  assert.doesNotMatch(meeting, /\d{4}-\d{2}-\d{2}T/); // never a raw ISO time

  await sup.click('#add-accountability');
  await sup.waitForSelector('.modal form');
  await sup.fill('.modal [data-field=unit_id] input', '城关');
  await sup.keyboard.press('ArrowDown');
  await sup.keyboard.press('Enter');
  await sup.fill('.modal [data-field=person] input', '张某');
  await sup.selectOption('.modal [data-field=reason] select', 'delay');
  await sup.selectOption('.modal [data-field=measure] select', 'admonish');
  await sup.click('.modal button[type=submit]');
  await sup.waitForSelector('.modal', { state: 'detached' });
  await settled(sup);
  await sup.waitForSelector('#order-accountability table');
  const acct = await sup.textContent('#order-accountability');
  assert.match(acct, /张某/);
  assert.match(acct, /诫勉谈话/);
  assert.match(acct, /天宁办法第二十一条/);
  assert.deepEqual(sup.errors, []);
});
