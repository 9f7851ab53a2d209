// The citizen's self-service (issue 15 point 3) against a real server: the acceptance notice
// carries the order number and a query code; POST /api/v1/public/query answers, without a login,
// the status, the deadline (the Chinese way), the unit and the official's public answer for the
// number and the code, never the citizen's data; a wrong code, an unknown number and an order
// without a code get the same refusal; guesses are limited per number and per address.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Order, assertError, call, dispatched, intake, ok, setupOrg, startServer } from './server.mjs';

let server;
let org;
before(async () => {
  server = await startServer();
  org = await setupOrg(server);
});
after(async () => { await server.stop(); });

/** The query code in the acceptance notice of order number (from the outbox). */
async function codeOf(number) {
  const list = ok(await call(server, 'GET', '/api/v1/outbox?limit=500', { token: org.as('supervisor1') })).items;
  const notice = list.find((m) => m.kind === 'acceptance' && (m.order?.number === number || m.order_number === number));
  assert.ok(notice, `no acceptance notice for ${number}: ${JSON.stringify(list.slice(0, 2))}`);
  assert.ok(notice.text.includes(number), 'the notice carries the order number');
  const m = notice.text.match(/查询码([2-9A-HJ-NP-Z]{8})/);
  assert.ok(m, `no query code in: ${notice.text}`);
  return m[1];
}

const query = (body, headers) => call(server, 'POST', '/api/v1/public/query', { body, headers });

describe('the query code and the public query', () => {
  test('the notice carries a code that shows the order, without the citizen\'s data', async () => {
    const o = await dispatched(server, org, { unit: 'street1', sign: true });
    const code = await codeOf(o.number);
    const r = ok(await query({ number: o.number, code }));
    assert.deepEqual(Object.keys(r).sort(), ['answer', 'answered', 'can_rate', 'can_supplement', 'closed_cn', 'created_cn',
      'deadline', 'deadline_cn', 'number', 'satisfaction', 'status', 'status_label', 'unit']);
    assert.equal(r.can_supplement, true);
    assert.equal(r.can_rate, false);
    // no rating before the answer
    assertError(await call(server, 'POST', '/api/v1/public/rate', { body: { number: o.number, code, solved: true, satisfaction: 'satisfied' } }), 409, 'bad_state');
    assert.equal(r.number, o.number);
    assert.equal(r.status, 'handling');
    assert.equal(r.status_label, '办理中');
    assert.equal(r.unit, '东华门街道办事处');
    assert.match(r.created_cn, /^\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d$/);
    assert.match(r.deadline_cn, /^\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d$/);
    assert.equal(r.answered, false);
    assert.equal(r.answer, null);
    const text = JSON.stringify(r);
    for (const secret of ['张三丰', '13812341111', '多福巷', '噪音']) assert.ok(!text.includes(secret), `${secret} shown`);
    // typed in lower case or with a dash, it is the same code
    ok(await query({ number: o.number, code: `${code.slice(0, 4).toLowerCase()}-${code.slice(4)}` }));
    // the code is not shown by the order's own answers
    const detail = JSON.stringify(ok(await call(server, 'GET', `/api/v1/orders/${o.id}`, { token: org.as('dispatcher1') })));
    assert.ok(!detail.includes(code));
  });

  test('the public answer, masked, once the order is answered; closed', async () => {
    const o = await intake(server, org);
    const code = await codeOf(o.number);
    await o.must(org.as('agent1'), 'answer', { answer: '张三丰您好：已通知施工方夜间停工，投诉电话13812341111已登记。' });
    let r = ok(await query({ number: o.number, code }));
    assert.equal(r.answered, true);
    assert.match(r.answer, /已通知施工方夜间停工/);
    assert.ok(!r.answer.includes('张三丰') && !r.answer.includes('13812341111'), r.answer);
    await o.must(org.as('callback1'), 'callback', { contacted: true, solved: true, satisfaction: 'satisfied' });
    await o.must(org.as('callback1'), 'close', {});
    r = ok(await query({ number: o.number, code }));
    assert.equal(r.status, 'closed');
    assert.match(r.closed_cn, /年.*月.*日/);
  });

  test('the public list of handled orders (000 arts. 5, 14), on a switch, without personal data', async () => {
    const list = (q = '') => call(server, 'GET', `/api/v1/public/orders${q}`);
    const policy = ok(await call(server, 'GET', '/api/v1/policy', { token: org.admin }));
    const put = (overrides) => call(server, 'PUT', '/api/v1/policy', { token: org.admin, body: { preset: policy.preset, overrides } });
    assert.equal(policy.effective.settings.public_list.value, false, 'off unless the deployment turns it on');
    assert.deepEqual(ok(await list()), { published: false, items: [], next_cursor: null });
    const o = await intake(server, org, { category_id: org.categories.property.id, region_id: org.regions.c1.id });
    await o.must(org.as('agent1'), 'answer', { answer: '张三丰您好：已通知施工方夜间停工，投诉电话13812341111已登记。' });
    ok(await put({ ...policy.overrides, public_list: true }));
    try {
      const r = ok(await list('?limit=100'));
      assert.equal(r.published, true);
      const item = r.items.find((i) => i.number === o.number);
      assert.ok(item, 'the answered order is listed');
      assert.deepEqual(Object.keys(item).sort(), ['answer', 'category', 'closed_cn', 'created_cn', 'number', 'region', 'status', 'type']);
      assert.match(item.answer, /已通知施工方夜间停工/);
      assert.match(item.created_cn, /^\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d$/);
      const text = JSON.stringify(r);
      // not the name, the phone, the address, the title or the text (the region's name is public)
      for (const secret of ['张三丰', '13812341111', '多福巷12号', '工地每晚', '噪音']) assert.ok(!text.includes(secret), `${secret} shown`);
      const open = await dispatched(server, org, { unit: 'street1' });
      assert.ok(!ok(await list('?limit=100')).items.some((i) => i.number === open.number), 'orders still handled are not listed');
      assertError(await list('?limit=0'), 422, 'invalid', 'limit');
      assertError(await list('?who=1'), 400, 'unknown_field', 'who', ['who']);
    } finally {
      ok(await put(policy.overrides));
    }
    assert.deepEqual(ok(await list()), { published: false, items: [], next_cursor: null });
  });

  test('the citizen rates once, as the callback would have asked; the clerk finds it done', async () => {
    const o = await intake(server, org);
    const code = await codeOf(o.number);
    await o.must(org.as('agent1'), 'answer', { answer: '已答复：施工许可时间为白天。' });
    assert.equal(ok(await query({ number: o.number, code })).can_rate, true);
    const rate = (body) => call(server, 'POST', '/api/v1/public/rate', { body: { number: o.number, code, ...body } });
    assertError(await rate({ solved: true, satisfaction: 'ecstatic' }), undefined, undefined, 'satisfaction', ['ecstatic']);
    assertError(await rate({ solved: true, satisfaction: 'none' }), undefined, undefined, 'satisfaction');
    assertError(await rate({ satisfaction: 'basic' }), 400, 'missing_field', 'solved');
    assertError(await call(server, 'POST', '/api/v1/public/rate', { body: { number: o.number, code: 'AAAAAAAA', solved: true, satisfaction: 'basic' } }), 404, 'not_found', 'code');
    const r = ok(await rate({ solved: false, satisfaction: 'unsatisfied' }));
    assert.equal(r.satisfaction, '不满意');
    assert.equal(r.can_rate, false);
    assertError(await rate({ solved: true, satisfaction: 'satisfied' }), 409, 'bad_state', 'satisfaction');
    const got = ok(await call(server, 'GET', `/api/v1/orders/${o.id}`, { token: org.as('callback1') }));
    const order = got.order || got;
    assert.equal(order.cb_satisfaction, 'unsatisfied');
    assert.equal(order.cb_solved, false);
    assert.equal(order.cb_contacted, true);
    assert.ok(JSON.stringify(got).includes('诉求人（自助查询页评价）'), 'the timeline says who rated');
    // the clerk goes on from there: an unsatisfied citizen's order is reopened
    const tracked = new Order(server, order);
    await tracked.must(org.as('callback1'), 'reopen', { reason: '诉求人网上评价不满意' });
  });

  test('the citizen adds information while the order is handled; the unit reads it', async () => {
    const o = await dispatched(server, org, { unit: 'street1', sign: true });
    const code = await codeOf(o.number);
    const add = (text, c = code) => call(server, 'POST', '/api/v1/public/supplement', { body: { number: o.number, code: c, text } });
    assertError(await add('', code), 400, 'missing_field', 'text');
    assertError(await add('补充', 'AAAAAAAA'), 404, 'not_found', 'code');
    const r = ok(await add('今晚十点施工仍在继续，噪音更大了。'));
    assert.equal(r.can_supplement, true);
    const unitView = ok(await call(server, 'GET', `/api/v1/orders/${o.id}`, { token: org.as('op-s1') }));
    const order = unitView.order || unitView;
    assert.match(order.text, /【诉求人补充 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d】今晚十点施工仍在继续/);
    assert.ok(JSON.stringify(unitView).includes('诉求人（自助查询页补充）'), 'the timeline says who added it');
    // what was added does not come back through the public query
    assert.ok(!JSON.stringify(ok(await query({ number: o.number, code }))).includes('今晚十点'));
    // closed: no more additions
    const closed = await intake(server, org);
    const cc = await codeOf(closed.number);
    await closed.must(org.as('agent1'), 'not_file', { reason: 'no_demand', explanation: '来电未提出具体诉求' });
    const refused = await call(server, 'POST', '/api/v1/public/supplement', { body: { number: closed.number, code: cc, text: '补充' } });
    assertError(refused, 409, 'bad_state', 'text');
    assert.equal(ok(await query({ number: closed.number, code: cc })).can_supplement, false);
  });

  test('the citizen adds photos while the order is handled: named for what they are, the unit sees them, nine at most', async () => {
    const o = await dispatched(server, org, { unit: 'street1', sign: true });
    const code = await codeOf(o.number);
    // a 1×1 PNG
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    const send = (bytes, { c = code, type = 'image/png', number = o.number } = {}) => call(server, 'POST', '/api/v1/public/photo', {
      raw: bytes, headers: { 'content-type': type, ...(number ? { 'x-order-number': number } : {}), ...(c ? { 'x-query-code': c } : {}) },
    });
    assertError(await send(png, { c: 'AAAAAAAA' }), 404, 'not_found', 'code');
    assertError(await send(png, { c: null }), 400, 'missing_field', 'X-Query-Code');
    assertError(await send(png, { type: 'image/svg+xml' }), 422, 'invalid', 'Content-Type', ['JPEG', 'PNG', 'WebP']);
    assertError(await send(Buffer.alloc(0)), 422, 'invalid', 'body');
    const before = ok(await call(server, 'GET', `/api/v1/orders/${o.id}`, { token: org.as('op-s1') }));
    assert.equal((before.order || before).attachments?.length || 0, 0, 'the refusals attached nothing');
    const r = ok(await send(png));
    assert.equal(r.can_supplement, true);
    const view = ok(await call(server, 'GET', `/api/v1/orders/${o.id}`, { token: org.as('op-s1') }));
    const order = view.order || view;
    const photos = order.attachments.filter((a) => a.kind === 'citizen_photo');
    assert.equal(photos.length, 1);
    assert.equal(photos[0].name, '诉求人照片-1.png');
    assert.match(order.text, /【诉求人补充 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d】（附照片 1 张）/);
    // the unit holding the order downloads it; it is the bytes sent
    const got = await fetch(server.url + photos[0].url, { headers: { authorization: `Bearer ${org.as('op-s1')}` } });
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), png);
    // nine at most
    for (let i = 2; i <= 9; i++) ok(await send(png));
    assertError(await send(png), 422, 'rule_violation', 'body');
    // closed: refused
    const closed = await intake(server, org);
    const cc = await codeOf(closed.number);
    await closed.must(org.as('agent1'), 'not_file', { reason: 'no_demand', explanation: '来电未提出具体诉求' });
    assertError(await send(png, { c: cc, number: closed.number }), 409, 'bad_state', 'body');
  });

  test('wrong code, unknown number, no code: the same refusal; bad input named', async () => {
    const o = await intake(server, org);
    const code = await codeOf(o.number);
    const wrong = code.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    const anonymous = await intake(server, org, { citizen_name: undefined, citizen_phone: undefined, anonymous: true, wants_callback: false });
    const refusals = [
      await query({ number: o.number, code: wrong }),
      await query({ number: '2099010100001', code }),
      await query({ number: anonymous.number, code }), // no notice, so no code
      await query({ number: o.number, code: '0000000O' }), // not code characters
    ];
    for (const r of refusals) {
      const e = assertError(r, 404, 'not_found', 'code');
      assert.equal(e.message, '工单编号或查询码不正确');
      assert.equal(r.text, refusals[0].text, 'nothing tells the cases apart');
    }
    assertError(await query({ number: o.number }), 400, 'missing_field', 'code');
    assertError(await query({ code }), 400, 'missing_field', 'number');
    assertError(await query({ number: o.number, code, name: 'x' }), 400, 'unknown_field', 'name', ['name']);
    ok(await query({ number: o.number, code }));
  });

  test('guesses are limited per number: the right code too is refused after five wrong ones', async () => {
    const o = await intake(server, org);
    const code = await codeOf(o.number);
    const wrong = code.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    for (let i = 0; i < 5; i++) assertError(await query({ number: o.number, code: wrong }), 404);
    const r = await query({ number: o.number, code });
    assertError(r, 429, 'rate_limited');
    assert.ok(Number(r.headers.get('retry-after')) > 0);
    // another order's citizen is not locked out by it
    const other = await intake(server, org);
    ok(await query({ number: other.number, code: await codeOf(other.number) }));
  });

  test('an Open311 request with a phone gets its code too', async () => {
    ok(await call(server, 'PUT', '/api/v1/open311', { token: org.admin, body: { services: [{ category_id: org.categories.noise.id }] } }));
    const key = ok(await call(server, 'POST', '/api/v1/open311/clients', { token: org.admin, body: { name: '自助测试' } }), 201).api_key;
    const form = new URLSearchParams({ api_key: key, service_code: org.categories.noise.code, address_string: '多福巷1号', phone: '13900001111', description: '夜间噪音' });
    const r = await call(server, 'POST', '/open311/v2/requests.json', { raw: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(r.status, 201, r.text);
    const number = r.json[0].service_request_id;
    ok(await query({ number, code: await codeOf(number) }));
    void Order;
  });
});
