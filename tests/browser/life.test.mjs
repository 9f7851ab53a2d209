// Browser test: one order's whole life clicked through the web UI by the users of each role —
// intake and filing, dispatch on the catalogue's suggestion, a return and its approval,
// re-dispatch, sign, sign-approval, urge, leader's instruction, reply with an attachment, review,
// an unsatisfied callback and a reopen, a second reply, review, a satisfied callback, close and
// archive — then checks the timeline, masking, the audit trail, that a unit user cannot open
// another unit's order, the dashboard, and the layout at 1366×768 and 1920×1080, with no console
// errors anywhere. Runs a real `jiesu serve` over the demo district in headless chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, login, settled, api, apiToken } from './lib.mjs';


let server, b, admin;
const pages = [];
const orderRef = {}; // id, number of the order whose life we follow
const units = {}; // A: the catalogue's unit (returns), B: handles it, C: never involved

/** A fresh tab logged in as loginName. */
async function as(loginName) {
  const page = await newPage(b, server);
  page.who = loginName;
  pages.push(page);
  await login(page, loginName);
  return page;
}

/** Shows a screen by its hash route, loading it afresh even when the tab is already on it. */
async function visit(page, hash) {
  const url = `${server.url}/${hash}`;
  if (page.url() === url) await page.reload(); // the same hash alone would not load it again
  else await page.goto(url);
  await settled(page);
}

async function openOrder(page) {
  await visit(page, `#/order/${orderRef.id}`);
  await page.waitForSelector('#timeline');
}

async function status(page) {
  return page.getAttribute('#order-status', 'data-status');
}

/** Clicks an action button (on the order page or in a queue row) and submits its form. */
async function act(page, action, fill = async () => {}, scope = '') {
  await page.click(`${scope} button[data-action=${action}]`.trim());
  await page.waitForSelector('.modal form');
  await fill(page);
  await submit(page);
}

/** Submits the open modal's form; fails with the form's error text if it stays open. */
async function submit(page) {
  await page.click('.modal button[type=submit]');
  const closed = page.waitForSelector('.modal', { state: 'detached' }).then(() => null);
  const failed = page.waitForSelector('.modal .form-error:not(:empty), .modal .field.invalid .err:not(:empty)')
    .then((el) => el.textContent());
  const err = await Promise.race([closed, failed]);
  assert.equal(err, null, `the ${page.who} form was refused: ${err}`);
}

async function expectStatus(page, want) {
  await page.waitForSelector(`#order-status[data-status=${want}]`);
  assert.equal(await status(page), want);
}

const row = (number) => `tr:has(a:text-is("${number}"))`;

/** Chooses an item in a picker by typing its text and pressing Enter. */
async function pick(page, selector, text) {
  await page.fill(`${selector} input.picker-input`, text);
  await page.waitForSelector(`${selector} .picker-list li`);
  await page.press(`${selector} input.picker-input`, 'Enter');
}

before(async () => {
  server = await startServer({ orders: 120 });
  b = await launch();
  admin = await apiToken(server, 'admin');
  const list = (await api(server, 'GET', '/units', { token: admin })).json.items;
  const byId = new Map(list.map((u) => [u.id, u]));
  // The catalogue entry of a category for the whole district names unit A.
  const cat = (await api(server, 'GET', '/catalogue', { token: admin })).json.items.find((c) => !c.region_id);
  assert.ok(cat, 'the demo has a district-wide catalogue entry');
  units.category = (await api(server, 'GET', '/categories', { token: admin })).json.items.find((c) => c.id === cat.category_id);
  units.A = byId.get(cat.unit_id);
  const others = list.filter((u) => u.id !== units.A.id && u.active);
  units.B = others.find((u) => u.kind === 'street');
  units.C = others.find((u) => u.id !== units.B.id);
  const regions = (await api(server, 'GET', '/regions', { token: admin })).json.items;
  units.region = regions.find((r) => r.level === 'community');
});

after(async () => {
  for (const p of pages) if (!p.isClosed()) await p.close();
  if (b) await b.close();
  if (server) await server.stop();
});

test('an order lives its whole life through the UI', async () => {
  const title = `多福巷12号夜间施工噪音扰民 ${Date.now() % 100000}`;

  // Call-taker: keyboard-first intake, then filing from the result panel.
  const agent = await as('agent1');
  await agent.waitForSelector('#intake-form');
  await agent.keyboard.press('Alt+p');
  await agent.keyboard.type('13812341111');
  await agent.keyboard.press('Alt+n');
  await agent.keyboard.type('张三丰');
  await agent.keyboard.press('Alt+b');
  await agent.keyboard.type(title);
  await agent.keyboard.press('Alt+x');
  await agent.keyboard.type('工地每晚11点后仍在施工，噪音很大，影响休息，请尽快处理。');
  await pick(agent, '#intake-form [data-field=category_id]', units.category.name);
  await pick(agent, '#intake-form [data-field=region_id]', units.region.name);
  await agent.keyboard.press('Alt+d');
  await agent.keyboard.type('多福巷12号');
  await agent.keyboard.press('Control+Enter');
  await agent.waitForSelector('.result button[data-action=file]');
  orderRef.number = (await agent.textContent('.result a.mono')).trim();
  assert.match(orderRef.number, /^\d{13}$/);
  const found = await api(server, 'GET', `/orders/${orderRef.number}`, { token: admin });
  orderRef.id = found.json.id;
  assert.equal(found.json.category_id, units.category.id, 'the category picked in the tree was sent');
  assert.equal(found.json.region_id, units.region.id, 'the region picked in the tree was sent');
  await act(agent, 'file', async (p) => {
    assert.equal(await p.inputValue('.modal [data-field=address] input'), '多福巷12号');
  }, '.result');
  await agent.waitForSelector('.result [data-status], .result .chip');
  await openOrder(agent);
  await expectStatus(agent, 'filed');

  // Dispatcher: the filed queue offers dispatch with the catalogue's unit already chosen.
  const dispatcher = await as('dispatcher1');
  await visit(dispatcher, `#/dispatch?tab=filed`);
  await dispatcher.click(`${row(orderRef.number)} button[data-action=dispatch]`);
  await dispatcher.waitForSelector('.modal form');
  const suggested = (await api(server, 'GET', `/orders/${orderRef.id}/suggest`, { token: admin })).json.suggestions[0];
  assert.equal(suggested.unit_id, units.A.id);
  assert.match(await dispatcher.inputValue('.modal [data-field=unit_id] input.picker-input'), new RegExp(units.A.name));
  assert.match(await dispatcher.textContent('.modal [data-field=unit_id] .hint'), /职责目录建议/);
  await submit(dispatcher);
  await openOrder(dispatcher);
  await expectStatus(dispatcher, 'dispatched');

  // Unit A: the order waits to be signed; A returns it with reason and legal basis.
  const opA = await as(`op-${units.A.code}`);
  await visit(opA, `#/inbox?tab=sign`);
  await opA.waitForSelector(row(orderRef.number));
  await opA.click(`${row(orderRef.number)} a`);
  await opA.waitForSelector('#timeline');
  await act(opA, 'return', async (p) => {
    await p.fill('.modal [data-field=reason] textarea', '该工地夜间施工审批属区住建委职责，不属本单位。');
    await p.fill('.modal [data-field=legal_basis] textarea', '《建筑施工场界环境噪声排放标准》及区职责目录');
  });
  await expectStatus(opA, 'returned');

  // Dispatcher approves the return, then re-dispatches to unit B from the order page.
  await visit(dispatcher, `#/dispatch?tab=returned`);
  // the return's age, from when it was filed (issue 16 point 3)
  assert.match(await dispatcher.textContent(`${row(orderRef.number)} .return-age`), /^\d+(分钟|小时\d+分|天\d+小时)$/);
  await act(dispatcher, 'return_approve', async (p) => p.fill('.modal [data-field=note] textarea', '同意退单，改派属地街道。'), row(orderRef.number));
  await openOrder(dispatcher);
  await expectStatus(dispatcher, 'filed');
  await act(dispatcher, 'dispatch', async (p) => {
    await pick(p, '.modal [data-field=unit_id]', units.B.name);
    await p.fill('.modal [data-field=note] textarea', '请属地街道牵头处理。');
  });
  await expectStatus(dispatcher, 'dispatched');

  // Unit B signs from its inbox; its leader records the sign-approval.
  const opB = await as(`op-${units.B.code}`);
  await visit(opB, `#/inbox?tab=sign`);
  await act(opB, 'sign', async () => {}, row(orderRef.number));
  await openOrder(opB);
  await expectStatus(opB, 'handling');
  const citizen = await opB.textContent('#main');
  assert.ok(citizen.includes('张**') && !citizen.includes('张三丰'), 'the unit sees the citizen masked');
  assert.ok(citizen.includes('138****1111') && !citizen.includes('13812341111'));
  const leadB = await as(`lead-${units.B.code}`);
  await openOrder(leadB);
  await act(leadB, 'sign_approval', async (p) => {
    await p.fill('.modal [data-field=handler] input', '王科员');
  });
  await expectStatus(leadB, 'handling');

  // Supervisor urges; the leader gives an instruction.
  const supervisor = await as('supervisor1');
  await visit(supervisor, `#/supervise?tab=all`);
  await act(supervisor, 'urge', async (p) => p.fill('.modal [data-field=note] textarea', '请加快办理。'), row(orderRef.number));
  const leader = await as('leader1');
  await openOrder(leader);
  await act(leader, 'instruct', async (p) => p.fill('.modal [data-field=text] textarea', '要求属地街道当天回复群众。'));

  // Unit B replies with an attachment.
  const reply = async (text) => {
    await openOrder(opB);
    await act(opB, 'reply', async (p) => {
      await p.fill('.modal [data-field=result] textarea', text);
      await p.selectOption('.modal [data-field=closure] select', 'resolved');
      await p.fill('.modal [data-field=responsible] input', '城管科 刘科长');
      await p.setInputFiles('.modal [data-field=attachments] input[type=file]', {
        name: '现场核查记录.txt', mimeType: 'text/plain', buffer: Buffer.from('现场核查：夜间施工已叫停。'),
      });
    });
    await expectStatus(opB, 'replied');
  };
  await reply('已约谈施工单位，夜间22点后停止施工。');

  // Reviewer passes it; callback finds the citizen unsatisfied and reopens it.
  const reviewer = await as('reviewer1');
  const review = async () => {
    await visit(reviewer, `#/review`);
    await act(reviewer, 'review', async (p) => {
      await p.check('.modal [data-field=pass] input[value=true]');
    }, row(orderRef.number));
  };
  await review();
  const cb = await as('callback1');
  await visit(cb, `#/callback?tab=todo`);
  await act(cb, 'callback', async (p) => {
    await p.check('.modal [data-field=contacted] input[value=true]');
    await p.check('.modal [data-field=solved] input[value=false]');
    await p.check('.modal [data-field=satisfaction] input[value=unsatisfied]');
    // the service process asked apart from the result (001 附件 三(一)2(1))
    await p.check('.modal [data-field=process_satisfaction] input[value=basic]');
    await p.fill('.modal [data-field=note] textarea', '诉求人反映仍有夜间施工。');
  }, row(orderRef.number));
  await openOrder(cb);
  assert.match(await cb.textContent('#main'), /服务过程满意度\s*基本满意/);
  await visit(cb, `#/callback?tab=unhappy`);
  await act(cb, 'reopen', async (p) => p.fill('.modal [data-field=reason] textarea', '回访不满意，问题未解决。'), row(orderRef.number));
  await openOrder(cb);
  await expectStatus(cb, 'handling');

  // Second round: reply, review, satisfied callback, close; the admin archives.
  await reply('已联合执法，工地夜间停工，复查无施工。');
  await review();
  await visit(cb, `#/callback?tab=todo`);
  await act(cb, 'callback', async (p) => {
    await p.check('.modal [data-field=contacted] input[value=true]');
    await p.check('.modal [data-field=solved] input[value=true]');
    await p.check('.modal [data-field=satisfaction] input[value=satisfied]');
  }, row(orderRef.number));
  await visit(cb, `#/callback?tab=close`);
  await act(cb, 'close', async () => {}, row(orderRef.number));
  await openOrder(cb);
  await expectStatus(cb, 'closed');
  const adm = await as('admin');
  await openOrder(adm);
  await act(adm, 'archive');
  await expectStatus(adm, 'archived');

  // The timeline holds every step, newest first, and the attachments are listed.
  const steps = await adm.$$eval('#timeline li.event', (els) => els.map((e) => e.dataset.action));
  assert.deepEqual(steps.reverse(), ['intake', 'file', 'dispatch', 'return', 'return_approve', 'dispatch', 'sign',
    'sign_approval', 'urge', 'instruct', 'reply', 'review', 'callback', 'reopen', 'reply', 'review', 'callback',
    'close', 'archive']);
  assert.equal(await adm.locator('#attachments li').count(), 2);
  const full = await adm.textContent('#main');
  assert.ok(full.includes('张三丰') && full.includes('13812341111'), 'platform staff see the citizen');
  // the latest callback since the reopen did not ask about the service process
  assert.match(full, /服务过程满意度\s*未询问/);
  const order = (await api(server, 'GET', `/orders/${orderRef.id}`, { token: admin })).json;
  assert.equal(order.status, 'archived');
  assert.equal(order.returns, 1);
  assert.equal(order.reopens, 1);
  assert.equal(order.urges, 1);
  const callbacks = order.timeline.filter((e) => e.action === 'callback');
  assert.deepEqual(callbacks.map((e) => e.args.process_satisfaction).sort(), ['basic', undefined],
    'the form sends the service-process satisfaction when it is asked, and only then');
});

/** Registers an order on the intake screen of page and returns its number. */
async function intakeOrder(page, title, { type = 'complaint' } = {}) {
  await visit(page, '#/intake');
  await page.selectOption('#intake-form [data-field=type] select', type);
  await page.fill('#intake-form [data-field=title] input', title);
  await page.fill('#intake-form [data-field=text] textarea', `${title}，请有关部门处理。`);
  await page.fill('#intake-form [data-field=address] input', '景山前街4号');
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector(`.result a.mono`);
  await page.waitForFunction((t) => document.querySelector('.result')?.textContent.includes(t), title);
  return (await page.textContent('.result a.mono')).trim();
}

async function statusOf(number) {
  return (await api(server, 'GET', `/orders/${number}`, { token: admin })).json;
}

test('call-taker answers directly, refuses with a reason and transfers', async () => {
  const agent = await as('agent2');
  const consult = await intakeOrder(agent, '咨询居住证办理需要哪些材料', { type: 'consult' });
  await act(agent, 'answer', async (p) => p.fill('.modal [data-field=answer] textarea', '携带身份证、租房合同到社区服务站办理。'), '.result');
  assert.equal((await statusOf(consult)).status, 'answered');

  const dup = await intakeOrder(agent, '咨询居住证办理材料（重复来电）', { type: 'consult' });
  await act(agent, 'not_file', async (p) => {
    await p.selectOption('.modal [data-field=reason] select', 'duplicate');
    await p.fill('.modal [data-field=duplicate_of] input', consult);
    await p.fill('.modal [data-field=explanation] textarea', '您反映的问题已在工单中答复，请查阅。');
  }, '.result');
  const nf = await statusOf(dup);
  assert.equal(nf.status, 'not_filed');
  assert.equal(nf.duplicate_of, (await statusOf(consult)).id);

  const fire = await intakeOrder(agent, '景山前街4号楼道冒烟');
  await act(agent, 'transfer', async (p) => p.check('.modal [data-field=to] input[value="119"]'), '.result');
  const tr = await statusOf(fire);
  assert.equal(tr.status, 'transferred');
  assert.equal(tr.transfer_to, '119');
});

test('dispatcher merges, splits, and dispatches to a dual and an assisting unit', async () => {
  const d = await as('dispatcher2');
  const a = await intakeOrder(d, '景山前街路灯不亮（一）');
  const b2 = await intakeOrder(d, '景山前街路灯不亮（二）');
  for (const n of [a, b2]) {
    await visit(d, `#/order/${n}`);
    await act(d, 'file');
  }
  await visit(d, '#/dispatch?tab=filed');
  await d.check(`${row(a)} input[type=checkbox]`);
  await d.check(`${row(b2)} input[type=checkbox]`);
  await d.click('#merge-btn');
  await d.waitForSelector('.modal form');
  const masterId = (await statusOf(a)).id;
  await d.check(`.modal input[type=radio][value="${masterId}"]`);
  await submit(d);
  assert.equal((await statusOf(b2)).status, 'merged');
  assert.equal((await statusOf(b2)).master_id, masterId);

  // Dispatch the master to a lead unit with a dual and an assisting unit.
  await visit(d, `#/order/${a}`);
  await act(d, 'dispatch', async (p) => {
    await pick(p, '.modal [data-field=unit_id]', units.B.name);
    await pick(p, '.modal [data-field=dual_unit_id]', units.C.name);
    await pick(p, '.modal [data-field=assist_units]', units.A.name);
  });
  await expectStatus(d, 'dispatched');
  const roles = Object.fromEntries((await statusOf(a)).units.map((x) => [x.unit_id, x.role]));
  assert.deepEqual(roles, { [units.B.id]: 'lead', [units.C.id]: 'dual', [units.A.id]: 'assist' });
  assert.equal(await d.locator('table.grid.compact tbody tr').count(), 3);

  // Split an order about two problems into two children.
  const parent = await intakeOrder(d, '景山前街噪音和垃圾问题');
  await visit(d, `#/order/${parent}`);
  await act(d, 'split', async (p) => {
    const kids = p.locator('.modal fieldset.child');
    await kids.nth(0).locator('input').first().fill('景山前街夜间噪音');
    await kids.nth(1).locator('input').first().fill('景山前街垃圾未清运');
  });
  await expectStatus(d, 'split');
  const pid = (await statusOf(parent)).id;
  const children = (await api(server, 'GET', '/orders?sort=created_desc&limit=50', { token: admin })).json.items.filter((o) => o.parent_id === pid);
  assert.deepEqual(children.map((o) => o.title).sort(), ['景山前街垃圾未清运', '景山前街夜间噪音']);
});

test('a second return needs the leader-signed attachment, sent by the leader', async () => {
  const d = await as('dispatcher1');
  const n = await intakeOrder(d, '景山前街井盖缺失');
  await visit(d, `#/order/${n}`);
  await act(d, 'file');
  await act(d, 'dispatch', async (p) => pick(p, '.modal [data-field=unit_id]', units.A.name));
  const opA = await as(`op-${units.A.code}`);
  const ret = async (withAttachment, p = opA) => {
    await visit(p, `#/order/${n}`);
    await p.click('button[data-action=return]');
    await p.waitForSelector('.modal form');
    await p.fill('.modal [data-field=reason] textarea', '井盖属自来水公司产权。');
    await p.fill('.modal [data-field=legal_basis] textarea', '地下管线产权单位负责维护。');
    if (withAttachment) {
      await p.setInputFiles('.modal [data-field=attachment] input[type=file]', {
        name: '领导签字说明.txt', mimeType: 'text/plain', buffer: Buffer.from('主管领导意见：同意退回。'),
      });
    }
    await p.click('.modal button[type=submit]');
  };
  await ret(false);
  await opA.waitForSelector('.modal', { state: 'detached' });
  await visit(d, `#/order/${n}`);
  await act(d, 'return_reject', async (p) => p.fill('.modal [data-field=reason] textarea', '属本单位职责，退回理由不成立。'));
  await expectStatus(d, 'dispatched');
  // The second return: the form asks for the signed attachment before sending anything.
  await ret(false);
  await opA.waitForSelector('.modal [data-field=attachment].invalid');
  assert.match(await opA.textContent('.modal [data-field=attachment] .hint'), /第二次退单.*单位领导本人提交/);
  await opA.click('.modal button:text("取消")');
  // the signature is the leader's own act: the unit's leader sends the second return
  const leadA = await as(`lead-${units.A.code}`);
  await ret(true, leadA);
  await leadA.waitForSelector('.modal', { state: 'detached' });
  await expectStatus(leadA, 'returned');
  assert.equal((await statusOf(n)).attachments.length, 1);
});

test('a change made meanwhile is reported and the form kept for a second submit', async () => {
  const tok = async (l) => apiToken(server, l);
  const [agentTok, dispTok, supTok] = await Promise.all([tok('agent1'), tok('dispatcher1'), tok('supervisor1')]);
  const made = await api(server, 'POST', '/orders', { token: agentTok, body: { channel: 'web', type: 'complaint', title: '景山前街占道经营', text: '早市摊贩占用人行道。', address: '景山前街' } });
  assert.equal(made.status, 201);
  let o = made.json.order;
  const step = async (token, action, body = {}) => {
    const r = await api(server, 'POST', `/orders/${o.id}/actions/${action}`, { token, body: { version: o.version, ...body } });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    o = r.json.order;
  };
  await step(agentTok, 'file');
  await step(dispTok, 'dispatch', { unit_id: units.A.id });
  const opA = await as(`op-${units.A.code}`);
  await visit(opA, `#/order/${o.id}`);
  await opA.click('button[data-action=sign]');
  await opA.waitForSelector('.modal form');
  await step(supTok, 'urge', { note: '请尽快签收。' }); // the supervisor urges while the form is open
  await opA.click('.modal button[type=submit]');
  await opA.waitForSelector('.modal .form-error:not(:empty)');
  assert.match(await opA.textContent('.modal .form-error'), /已载入最新版本/);
  await submit(opA);
  await expectStatus(opA, 'handling');
  // The refused first try is the one expected console error of this tab.
  assert.deepEqual(opA.errors.filter((e) => !/status of 409/.test(e)), []);
  opA.errors.length = 0;
});

test('a unit user cannot open another unit\'s order', async () => {
  assert.ok(orderRef.id, 'the life test ran first');
  const opC = await as(`op-${units.C.code}`);
  await opC.goto(`${server.url}/#/order/${orderRef.id}`);
  await opC.waitForSelector('#order-missing');
  assert.ok(!(await opC.textContent('#main')).includes(orderRef.number));
  // Nor does a search find it.
  await visit(opC, `#/orders?q=${encodeURIComponent('多福巷12号')}`);
  assert.equal(await opC.locator(row(orderRef.number)).count(), 0);
  // The only console errors are the refused request itself (404).
  const unexpected = opC.errors.filter((e) => !/status of 404/.test(e));
  assert.deepEqual(unexpected, []);
  assert.ok(opC.errors.length >= 1, 'the order request was refused');
  opC.errors.length = 0;
  // A unit that held the order once (A returned it) still sees it; the citizen stays masked.
  const opA = await as(`op-${units.A.code}`);
  await opA.goto(`${server.url}/#/order/${orderRef.id}`);
  await opA.waitForSelector('#timeline');
  assert.ok(!(await opA.textContent('#main')).includes('张三丰'));
});

test('auditor sees the reads of unmasked citizen data', async () => {
  const auditor = await as('auditor1');
  await visit(auditor, `#/audit`);
  await auditor.fill('#audit-order', orderRef.number);
  await auditor.click('#audit-filters button[type=submit]');
  await auditor.waitForFunction((n) => { const r = [...document.querySelectorAll('table.grid tbody tr')]; return r.length && r.every((x) => x.textContent.includes(n)); }, orderRef.number);
  const rows = await auditor.locator('table.grid tbody tr').count();
  assert.ok(rows >= 1, 'read_citizen entries for the order are listed');
  assert.match(await auditor.textContent('table.grid tbody'), /查看诉求人信息/);
});

test('a unit leader appeals an order and the supervisor upholds it', async () => {
  const doc = await (await fetch(server.url + '/api/v1/openapi.json')).json();
  assert.ok(doc.paths['/api/v1/assess'], 'the assessment API is served');
  const period = await (async () => {
    const d = new Date(Date.now() + 8 * 3600e3);
    const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
    return `${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
  })();
  const rep = (await api(server, 'GET', `/assess?period=${period}`, { token: admin })).json;
  const unit = rep.units.filter((u) => u.received > 0).sort((x, y) => y.received - x.received)[0];
  assert.ok(unit, 'some unit received orders last month');
  const lead = await as(`lead-${unit.code}`);
  await visit(lead, '#/assess');
  await lead.waitForSelector('button[data-appeal]');
  const number = await lead.getAttribute('button[data-appeal]', 'data-appeal');
  await lead.click('button[data-appeal]');
  await lead.waitForSelector('.modal form');
  await lead.check('.modal [data-field=indicators] input >> nth=0');
  await lead.fill('.modal [data-field=reason] textarea', '该件属市级统一政策调整，非本单位原因。');
  await lead.fill('.modal [data-field=evidence_url] input', 'https://example.org/evidence/notice.pdf');
  await submit(lead);
  const sup = await as('supervisor1');
  await visit(sup, '#/assess?tab=appeals');
  await sup.click(`${row(number)} button:text("审核")`);
  await sup.waitForSelector('.modal form');
  await sup.check('.modal [data-field=uphold] input[value=true]');
  await submit(sup);
  await visit(sup, '#/assess?tab=appeals');
  assert.match(await sup.textContent(row(number)), /已支持/);
  const after = (await api(server, 'GET', `/assess?period=${period}`, { token: admin })).json;
  assert.ok(after.exclusions >= 1, 'the upheld appeal excludes the order');
});

test('pingshan-2020 ranks by its own items (002 arts. 33-34) with the bonus shown', async () => {
  const d = new Date(Date.now() + 8 * 3600e3);
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
  const period = `${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
  const rep = (await api(server, 'GET', `/assess?scheme=pingshan-2020&period=${period}`, { token: admin })).json;
  assert.ok(rep.units.some((u) => u.bonus > 0), 'the top ten by volume get their bonus');
  const sup = await as('supervisor1');
  await visit(sup, `#/assess?scheme=pingshan-2020&period=${period}`);
  await sup.waitForSelector('table.grid thead');
  const head = await sup.textContent('table.grid thead');
  for (const label of ['回退情况', '按期办结', '满意', '加分', '回退率', '按期办结率']) assert.ok(head.includes(label), label);
  assert.equal(await sup.inputValue('#assess-scheme'), 'pingshan-2020');
});

test('dashboard draws its charts', async () => {
  const sup = await as('supervisor1');
  await visit(sup, `#/dashboard?days=90`);
  for (const id of ['c-day', 'c-channel', 'c-type', 'c-cat', 'c-unit', 'c-sat']) {
    await sup.waitForSelector(`#${id} canvas`);
  }
  const total = Number(await sup.textContent('.kpi b'));
  assert.ok(total > 0);
});

test('screens fit 1366×768 and 1920×1080 without sideways scrolling', async () => {
  const screens = [
    ['agent1', '#/intake'], ['agent1', '#/orders'], ['dispatcher1', '#/dispatch'],
    [`op-${units.B.code}`, '#/inbox'], ['dispatcher1', `#/order/${orderRef.id}`],
    ['supervisor1', '#/dashboard'], ['admin', '#/admin/policy'], ['admin', '#/admin/units'],
  ];
  const tabs = {};
  for (const [width, height] of [[1366, 768], [1920, 1080]]) {
    for (const [who, hash] of screens) {
      tabs[who] ||= await as(who);
      const p = tabs[who];
      await p.setViewportSize({ width, height });
      await visit(p, hash);
      await p.waitForTimeout(100);
      const [sw, iw] = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(sw <= iw, `${hash} as ${who} at ${width}: page is ${sw}px wide`);
    }
  }
});

test('no console errors on any page', async () => {
  const errors = pages.flatMap((p) => p.errors.map((e) => `${p.who}: ${e}`));
  assert.deepEqual(errors, []);
});
