// The assessment as the seeds write it (issue 14 points 4-5), allowed and refused over the API
// under the presets they concern: the callback's 服务过程 satisfaction and linshu-2020's 响应率
// (001 附件 三(一)2(1)); the departments' 承办量 bands on the centre's cut-offs (三(一)1);
// pingshan-2020 (002 arts. 33-34) and tianning-2013 (003 arts. 13(1), 19) scored by their own
// schemes instead of the Beijing 三率. Each block has its own server, so the numbers are its own.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import {
  assertError, BIN, call, dispatched, intake, ok, setupOrg, startServer,
} from './server.mjs';

const REPLY = { result: '已处理', closure: 'resolved', responsible: '陈主任', handler: '冯操作' };
const OP = { street1: 'op-s1', street2: 'op-s2', dept1: 'op-zjw' };
const LEAD = { street1: 'lead-s1', street2: 'lead-s2', dept1: 'lead-zjw' };

function shanghaiDate(ms) {
  return new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

function iso(ms) {
  const d = new Date(ms + 8 * 3600 * 1000);
  return `${d.toISOString().slice(0, 19)}+08:00`;
}

/** A fresh server with the org, under a preset. */
function world(preset) {
  const w = {};
  before(async () => {
    w.server = await startServer();
    w.org = await setupOrg(w.server);
    ok(await call(w.server, 'PUT', '/api/v1/policy', { token: w.org.admin, body: { preset, overrides: {} } }));
  });
  after(async () => { await w.server.stop(); });
  return w;
}

/** The period around now: today to 20 days on, so that 5-working-day limits fall inside it. */
function span() {
  return `${shanghaiDate(Date.now())}..${shanghaiDate(Date.now() + 20 * 86400 * 1000)}`;
}

async function assess(w, query) {
  return ok(await call(w.server, 'GET', `/api/v1/assess?${query}`, { token: w.org.admin }));
}

const row = (r, unit) => r.units.find((u) => u.unit_id === unit.id);

/** An order taken in and filed, not yet dispatched. */
async function intakeFiled(w) {
  const o = await intake(w.server, w.org, { category_id: w.org.categories.property.id, region_id: w.org.regions.c1.id });
  await o.must(w.org.as('agent1'), 'file');
  return o;
}

/** An order of `unit` replied, reviewed and waiting for callback (linshu: with the 签批). */
async function replied(w, unit, { sign = false } = {}) {
  const o = await dispatched(w.server, w.org, { unit, sign: true });
  if (sign) await o.must(w.org.as(LEAD[unit]), 'sign_approval', { handler: '冯操作' });
  await o.must(w.org.as(OP[unit]), 'reply', REPLY);
  await o.must(w.org.as('reviewer1'), 'review', { pass: true });
  return o;
}

describe('linshu-2020: the callback asks about the service process apart from the result (001 附件 三(一)2(1))', () => {
  const w = world('linshu-2020');

  test('the field is declared once: typed in OpenAPI with its label', async () => {
    const doc = ok(await call(w.server, 'GET', '/api/v1/openapi.json'));
    const schema = doc.paths['/api/v1/orders/{id}/actions/callback'].post.requestBody.content['application/json'].schema;
    assert.deepEqual(schema.properties.process_satisfaction.enum, ['none', 'satisfied', 'basic', 'unsatisfied']);
    assert.match(schema.properties.process_satisfaction.description, /服务过程/);
    assert.ok(!schema.required.includes('process_satisfaction'));
  });

  test('refused: a value out of the list, or an answer from a citizen never reached; nothing changes', async () => {
    const o = await replied(w, 'street2', { sign: true });
    const bad = await o.act(w.org.as('callback1'), 'callback', { contacted: true, solved: true, satisfaction: 'satisfied', process_satisfaction: 'great' });
    assertError(bad, 422, 'invalid', 'process_satisfaction');
    const none = await o.act(w.org.as('callback1'), 'callback', { contacted: true, solved: true, satisfaction: 'satisfied', process_satisfaction: 'none' });
    assertError(none, 422, 'invalid', 'process_satisfaction');
    assert.match(none.json.error.message, /服务过程满意度/);
    const unreachable = await o.act(w.org.as('callback1'), 'callback', { unreachable: true, process_satisfaction: 'satisfied' });
    assertError(unreachable, 422, 'invalid', 'process_satisfaction');
    const d = ok(await call(w.server, 'GET', `/api/v1/orders/${o.id}`, { token: w.org.admin }));
    assert.equal(d.status, 'callback');
    assert.ok(!d.timeline.some((e) => e.action === 'callback'), 'a refused callback records nothing');
  });

  test('an unsatisfying service process is 未响应 in 响应率 though the result satisfied; a satisfying one responds', async () => {
    const a = await replied(w, 'street1', { sign: true });
    await a.must(w.org.as('callback1'), 'callback', { contacted: true, solved: true, satisfaction: 'satisfied', process_satisfaction: 'unsatisfied' });
    const b = await replied(w, 'street1', { sign: true });
    await b.must(w.org.as('callback1'), 'callback', { contacted: true, solved: true, satisfaction: 'satisfied', process_satisfaction: 'satisfied' });
    const ev = ok(await call(w.server, 'GET', `/api/v1/orders/${a.id}`, { token: w.org.admin })).timeline.find((e) => e.action === 'callback');
    assert.equal(ev.args.process_satisfaction, 'unsatisfied');
    assert.equal(ev.args.satisfaction, 'satisfied');
    const r = await assess(w, `scheme=linshu-2020&period=${span()}`);
    const s1 = row(r, w.org.units.street1);
    assert.deepEqual(s1.indicators.responded_rate, { value: 0.5, num: 1, den: 2 });
    // the callback refused above left street2's order without a result: responded
    assert.deepEqual(row(r, w.org.units.street2).indicators.responded_rate, { value: 1, num: 1, den: 1 });
  });
});

describe('linshu-2020: the departments\' 承办量 bands are the centre\'s cut-offs on the period\'s total (001 附件 三(一)1)', () => {
  const w = world('linshu-2020');

  test('defaults, the centre\'s own cut-offs, and cut-offs out of order refused', async () => {
    for (let i = 0; i < 3; i++) await dispatched(w.server, w.org, { unit: 'dept1' });
    await dispatched(w.server, w.org, { unit: 'dept2' });
    // shares of the 4 orders: 区住建委 75 %, 区生态环境局 25 %: both above the default 10 %
    let r = await assess(w, `scheme=linshu-2020&period=${span()}`);
    assert.equal(row(r, w.org.units.dept1).items.volume, 10);
    assert.equal(row(r, w.org.units.dept2).items.volume, 10, 'not equal fifths of the ranking (which gave 8)');
    const doc = ok(await call(w.server, 'GET', '/api/v1/assess/schemes/linshu-2020', { token: w.org.admin }));
    assert.deepEqual([doc.params.band_10, doc.params.band_8, doc.params.band_6, doc.params.band_4], [0.1, 0.05, 0.02, 0.01]);
    const bad = structuredClone(doc);
    Object.assign(bad.params, { band_10: 0.5, band_8: 0.6 });
    const err = assertError(await call(w.server, 'PUT', '/api/v1/assess/schemes/linshu-2020', { token: w.org.admin, body: bad }), 422, 'invalid', 'params.band_8');
    assert.match(err.message, /从高到低/);
    r = await assess(w, `scheme=linshu-2020&period=${span()}`);
    assert.equal(row(r, w.org.units.dept2).items.volume, 10, 'the refused scheme changed nothing');
    Object.assign(doc.params, { band_10: 0.5, band_8: 0.3, band_6: 0.2, band_4: 0.1 });
    ok(await call(w.server, 'PUT', '/api/v1/assess/schemes/linshu-2020', { token: w.org.admin, body: doc }));
    r = await assess(w, `scheme=linshu-2020&period=${span()}`);
    assert.equal(row(r, w.org.units.dept1).items.volume, 10); // 75 % ≥ 50 %
    assert.equal(row(r, w.org.units.dept2).items.volume, 6); // 25 %: ≥ 20 %, < 30 %
  });
});

describe('pingshan-2020 is scored by 002 arts. 33-34, not the Beijing 三率', () => {
  const w = world('pingshan-2020');

  test('回退情况, 按期办结率, 满意率 and the top-ten bonus; a return and a late reply cost their share', async () => {
    const list = ok(await call(w.server, 'GET', '/api/v1/assess/schemes', { token: w.org.admin }));
    assert.equal(list.policy_scheme, 'pingshan-2020');
    // street1: one order returned (rejected: it keeps it), both replied on time, one satisfied
    const a = await dispatched(w.server, w.org, { unit: 'street1', sign: true });
    await a.must(w.org.as('op-s1'), 'return', { reason: '不属于本单位', legal_basis: '三定方案' });
    await a.must(w.org.as('dispatcher1'), 'return_reject', { reason: '属于街道职责' });
    await a.must(w.org.as('op-s1'), 'reply', REPLY);
    await a.must(w.org.as('reviewer1'), 'review', { pass: true });
    await a.must(w.org.as('callback1'), 'callback', { contacted: true, solved: true, satisfaction: 'satisfied' });
    const b = await replied(w, 'street1');
    await b.must(w.org.as('callback1'), 'callback', { contacted: true, solved: false, satisfaction: 'unsatisfied' });
    // street2: one order satisfied, one replied after its deadline (not on time)
    const c = await replied(w, 'street2');
    await c.must(w.org.as('callback1'), 'callback', { contacted: true, solved: true, satisfaction: 'satisfied' });
    const late = await intakeFiled(w);
    const due = Date.now() + 2000;
    await late.must(w.org.as('dispatcher1'), 'dispatch', { unit_id: w.org.units.street2.id, deadline: iso(due) });
    await late.must(w.org.as('op-s2'), 'sign');
    while (Date.now() < due + 1200) await new Promise((res) => setTimeout(res, 200));
    await late.must(w.org.as('op-s2'), 'reply', REPLY);
    const r = await assess(w, `period=${span()}`);
    assert.equal(r.scheme, 'pingshan-2020', 'the preset\'s scheme, not beijing-2020');
    assert.deepEqual(r.indicators.map((i) => i.name), ['回退率', '按期办结率', '满意率', '承办量', '兜底件数', '表扬件数']);
    const s1 = row(r, w.org.units.street1);
    assert.deepEqual(s1.indicators.return_rate, { value: 0.5, num: 1, den: 2 });
    assert.deepEqual(s1.indicators.ontime_rate, { value: 1, num: 2, den: 2 });
    assert.deepEqual(s1.indicators.satisfaction_rate, { value: 0.5, num: 1, den: 2 });
    // 20×(1−0.5) + 40×1 + 40×0.5 = 70, + 2 for the top ten by volume
    assert.deepEqual(s1.items, { return: 10, ontime: 40, satisfaction: 20 });
    assert.equal(s1.bonus, 2);
    assert.equal(s1.score, 72);
    // 20×1 + 40×0.5 + 40×1 = 80, + 2: the late reply is not 按期
    const s2 = row(r, w.org.units.street2);
    assert.deepEqual(s2.indicators.return_rate, { value: 0, num: 0, den: 2 });
    assert.deepEqual(s2.indicators.ontime_rate, { value: 0.5, num: 1, den: 2 });
    assert.deepEqual(s2.items, { return: 20, ontime: 20, satisfaction: 40 });
    assert.equal(s2.score, 82);
    assert.equal(s2.rank, 1);
    assert.equal(s1.rank, 2);
    // the CLI gives the same ranking, with the bonus column
    const out = execFileSync(BIN, ['assess', '--db', w.server.db, '--period', span()], { encoding: 'utf8' });
    assert.match(out, /坪山区民生诉求事件考核/);
    assert.match(out.split('\n').find((l) => l.includes('排名')), /回退情况.*按期办结.*满意.*加分.*回退率/);
    assert.match(out.split('\n').find((l) => l.includes('东华门街道办事处')), /^\s*2\s.*72\.00.*10\.00\s+40\.00\s+20\.00\s+2\.00\s+50\.00%/);
    // the platform sets the weights the seed does not give
    const doc = ok(await call(w.server, 'GET', '/api/v1/assess/schemes/pingshan-2020', { token: w.org.admin }));
    assert.deepEqual([doc.params.w_return, doc.params.w_ontime, doc.params.w_satisfaction], [20, 40, 40]);
    Object.assign(doc.params, { w_return: 40, w_ontime: 30, w_satisfaction: 30, b_top: 0 });
    ok(await call(w.server, 'PUT', '/api/v1/assess/schemes/pingshan-2020', { token: w.org.admin, body: doc }));
    const r2 = await assess(w, `period=${span()}`);
    assert.equal(row(r2, w.org.units.street1).score, 40 * 0.5 + 30 + 30 * 0.5); // 65
  });
});

describe('tianning-2013 is scored by 003 arts. 13(1), 19: feedback within 5 working days and satisfaction', () => {
  const w = world('tianning-2013');

  test('a unit silent past its limit misses it; a reply or a reported reason meets it', async () => {
    const list = ok(await call(w.server, 'GET', '/api/v1/assess/schemes', { token: w.org.admin }));
    assert.equal(list.policy_scheme, 'tianning-2013');
    // street1: one replied at once and satisfied, one silent
    const a = await replied(w, 'street1');
    await a.must(w.org.as('callback1'), 'callback', { contacted: true, solved: true, satisfaction: 'satisfied' });
    const silent = await dispatched(w.server, w.org, { unit: 'street1', sign: true });
    const ev = ok(await call(w.server, 'GET', `/api/v1/orders/${silent.id}`, { token: w.org.admin })).timeline.find((e) => e.action === 'dispatch');
    assert.ok(Date.parse(ev.args.feedback_due) > Date.now(), 'the dispatch records its feedback limit');
    // street2: reported why it cannot finish in time (an extension request): met
    const b = await dispatched(w.server, w.org, { unit: 'street2', sign: true });
    await b.must(w.org.as('op-s2'), 'extension_request', { until: iso(Date.parse(b.summary.deadline) + 3 * 86400 * 1000), reason: '需协调产权单位，不能按时办结' });
    // the period ends 20 days on: both 5-working-day limits have passed by its cut-off
    const r = await assess(w, `period=${span()}`);
    assert.equal(r.scheme, 'tianning-2013', 'the preset\'s scheme, not beijing-2020');
    assert.deepEqual(r.indicators.map((i) => i.name), ['按时反馈率', '满意率']);
    const s1 = row(r, w.org.units.street1);
    assert.deepEqual(s1.indicators.feedback_ontime_rate, { value: 0.5, num: 1, den: 2 });
    assert.deepEqual(s1.indicators.satisfaction_rate, { value: 1, num: 1, den: 1 });
    assert.equal(s1.score, 50 * 0.5 + 50 * 1); // 75
    const s2 = row(r, w.org.units.street2);
    assert.deepEqual(s2.indicators.feedback_ontime_rate, { value: 1, num: 1, den: 1 });
    assert.equal(s2.score, 50); // no callback yet: 满意率 0
    // today only: no limit has come, the silent order has missed nothing yet (if_empty 1)
    const today = shanghaiDate(Date.now());
    const t = await assess(w, `period=${today}..${today}`);
    assert.deepEqual(row(t, w.org.units.street1).indicators.feedback_ontime_rate, { value: 1, num: 1, den: 1 });
  });
});
