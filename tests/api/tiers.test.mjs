// Levels, types and tiers, the enterprise green channel, hanging accounts and parallel dispatch
// (issue 14 points 6, 7 and 9; seeds 004 and 002 ch. 4): allowed and refused over the API under
// the presets they concern. The timer pass (`jiesu tick --now`) acts on every order of this
// server's database.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import {
  assertError, BIN, call, intake, ok, setupOrg, startServer,
} from './server.mjs';

let server;
let org;

before(async () => {
  server = await startServer();
  org = await setupOrg(server);
});
after(async () => { await server.stop(); });

async function usePreset(preset, overrides = {}) {
  return call(server, 'PUT', '/api/v1/policy', { token: org.admin, body: { preset, overrides } });
}

async function get(login, ref) {
  return ok(await call(server, 'GET', `/api/v1/orders/${ref}`, { token: org.as(login) }));
}

function iso(ms) {
  // Shanghai time, the way the API writes instants
  const d = new Date(ms + 8 * 3600 * 1000);
  return `${d.toISOString().slice(0, 19)}+08:00`;
}

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

/** Takes in, files and dispatches an order to street1; returns it with its tier and limit. */
async function dispatchedWith(fields) {
  const o = await intake(server, org, { category_id: org.categories.property.id, region_id: org.regions.c1.id, ...fields });
  await o.must(org.as('agent1'), 'file');
  await o.must(org.as('dispatcher1'), 'dispatch', { unit_id: org.units.street1.id });
  const d = await get('dispatcher1', o.id);
  return { o, tier: d.tier, limit: Date.parse(d.deadline) - Date.parse(d.dispatched_at) };
}

async function list(query) {
  return call(server, 'GET', `/api/v1/orders?${query}`, { token: org.as('dispatcher1') });
}

describe('the tier follows urgency and type (004 四级处置模式)', () => {
  before(async () => ok(await usePreset('beijing-2020')));

  test('beijing-2020: urgent help 2 h, urgent 24 h, major 7 d, general 15 d; a tier given by hand wins', async () => {
    let r = await dispatchedWith({ type: 'help', level: 'urgent' });
    assert.equal(r.tier, '2h');
    assert.equal(r.limit, 2 * HOUR);
    r = await dispatchedWith({ type: 'complaint', level: 'urgent' });
    assert.equal(r.tier, '24h');
    assert.equal(r.limit, 24 * HOUR);
    r = await dispatchedWith({ type: 'consult', level: 'major' });
    assert.equal(r.tier, '7d');
    assert.equal(r.limit, 7 * DAY);
    r = await dispatchedWith({ type: 'complaint', level: 'general' });
    assert.equal(r.tier, '15d');
    assert.equal(r.limit, 15 * DAY);
    r = await dispatchedWith({ type: 'help', level: 'urgent', tier: '24h' });
    assert.equal(r.tier, '24h');
  });

  test('the enterprise green channel: its own tier, its own queue; a bad flag is refused', async () => {
    const ent = await dispatchedWith({ type: 'complaint', level: 'general', enterprise: true });
    assert.equal(ent.tier, '7d');
    const q = ok(await list('enterprise=true&limit=100'));
    assert.ok(q.items.length >= 1);
    assert.ok(q.items.some((i) => i.id === ent.o.id));
    for (const i of q.items) assert.equal((await get('dispatcher1', i.id)).enterprise, true);
    const all = ok(await list('limit=100'));
    assert.ok(all.items.length > q.items.length);
    assertError(await list('enterprise=yes'), 422, 'invalid', 'enterprise');
  });

  test('limit_overrides take type and enterprise; an unknown type is refused and changes nothing', async () => {
    ok(await usePreset('beijing-2020', {
      limit_overrides: [{ type: 'consult', limit: 36, unit: 'hours' },
        { enterprise: true, level: 'general', limit: 5, unit: 'days' }],
    }));
    let r = await dispatchedWith({ type: 'consult', level: 'general' });
    assert.equal(r.limit, 36 * HOUR);
    r = await dispatchedWith({ type: 'complaint', level: 'general', enterprise: true });
    assert.equal(r.limit, 5 * DAY);
    assertError(await usePreset('beijing-2020', { limit_overrides: [{ type: 'gossip', limit: 3, unit: 'days' }] }),
      422, 'invalid', 'limit_overrides[0].type');
    assertError(await usePreset('beijing-2020', { tier_rules: [{ tier: '2h' }] }), 422, 'invalid', 'tier_rules[0]');
    const shown = ok(await call(server, 'GET', '/api/v1/policy', { token: org.admin })).effective;
    assert.equal(shown.settings.limit_overrides.value[0].type, 'consult', 'the refusals changed nothing');
  });

  test('each preset sets its levels (000 art. 8): a level the deployment does not use is refused at intake and filing', async () => {
    for (const preset of ['dongcheng-2016', 'linshu-2020', 'pingshan-2020', 'tianning-2013', 'beijing-2020']) {
      ok(await usePreset(preset));
      const shown = ok(await call(server, 'GET', '/api/v1/policy', { token: org.admin })).effective;
      assert.deepEqual(shown.settings.levels.value, ['general', 'major', 'urgent'], preset);
      assert.match(shown.settings.levels.source, /000 art\. 8|004|002/, preset);
    }
    ok(await usePreset('tianning-2013', { levels: ['general', 'major'] }));
    const before = ok(await list('limit=500')).items.length;
    const refused = await call(server, 'POST', '/api/v1/orders', {
      token: org.as('agent1'),
      body: { channel: 'hotline-12345', type: 'complaint', title: '路灯不亮', text: '小区门口路灯坏了', level: 'urgent' },
    });
    assertError(refused, 422, 'rule_violation', 'level');
    assert.match(refused.json.error.message, /紧急/);
    assert.equal(ok(await list('limit=500')).items.length, before, 'the refused intake stored nothing');
    const o = await intake(server, org, { category_id: org.categories.property.id, region_id: org.regions.c1.id, level: 'major' });
    assertError(await o.act(org.as('agent1'), 'file', { level: 'urgent' }), 422, 'rule_violation', 'level');
    await o.must(org.as('agent1'), 'file', { level: 'general' });
    assert.equal((await get('dispatcher1', o.id)).level, 'general');
    assertError(await usePreset('tianning-2013', { levels: [] }), 400, 'wrong_type', 'levels');
    assertError(await usePreset('tianning-2013', { levels: ['general', 'critical'] }), 422, 'invalid', 'levels');
    assertError(await usePreset('tianning-2013', { levels: ['major', 'major'] }), 422, 'invalid', 'levels');
    ok(await usePreset('beijing-2020'));
  });

  test('dongcheng-2016: the platform sets limits per order (000 art. 8), no tier follows the level', async () => {
    ok(await usePreset('dongcheng-2016'));
    const r = await dispatchedWith({ type: 'help', level: 'urgent' });
    assert.equal(r.tier, 'none');
    assert.equal(r.limit, 15 * DAY);
  });
});

describe('hanging accounts (004 挂账)', () => {
  before(async () => ok(await usePreset('beijing-2020')));

  test('kept, reminded, supervised, urged for progress, listed as 挂账 and lifted with a result', async () => {
    const { o } = await dispatchedWith({ type: 'complaint', level: 'general' });
    await o.must(org.as('op-s1'), 'sign');
    const t0 = Date.now();
    const expected = t0 + 60 * DAY;
    assertError(await o.act(org.as('op-s1'), 'hang_request', { scope: '供热管网老化', plan: '列入明年改造' }),
      400, 'missing_field', 'expected');
    assertError(await o.act(org.as('op-s1'), 'hang_request', { scope: '供热管网老化', plan: '列入明年改造', expected: iso(t0 - DAY) }),
      422, 'invalid', 'expected');
    await o.must(org.as('op-s1'), 'hang_request', { scope: '供热管网老化', plan: '列入明年改造', expected: iso(expected) });
    await o.must(org.as('supervisor1'), 'hang_decide', { approve: true });
    let d = await get('op-s1', o.id);
    assert.equal(Date.parse(d.hang_expected), Math.floor(expected / 1000) * 1000, 'the plan\'s date is kept');
    assert.ok(Math.abs(Date.parse(d.hang_since) - Date.now()) < 60_000, 'when the account began: an instant like the others, not seconds');

    const tick = (ms) => JSON.parse(execFileSync(BIN, ['tick', '--db', server.db, '--now', iso(ms)], { encoding: 'utf8' }));
    tick(t0 + 20 * DAY); // past the 15-day limit
    const overdue = ok(await list('overdue=true&limit=100'));
    assert.ok(!overdue.items.some((i) => i.id === o.id), 'never listed as overdue');
    const hanging = ok(await list('hanging=true&limit=100'));
    assert.deepEqual(hanging.items.map((i) => i.id), [o.id], 'listed as 挂账');
    assert.equal(hanging.items[0].hang, 'active');
    assertError(await list('hanging=1'), 422, 'invalid', 'hanging');

    tick(t0 + 33 * DAY); // 30 days after the approval: a progress report is due
    tick(expected - 6 * DAY); // within 7 days of the expected date: a reminder
    tick(expected + HOUR); // past it: a supervision
    d = await get('op-s1', o.id);
    const kinds = (action) => d.timeline.filter((e) => e.action === action && e.actor.role === 'system').map((e) => e.args.kind);
    assert.deepEqual(kinds('urge').filter((k) => k.startsWith('hang_')).sort(), ['hang_remind', 'hang_report']);
    assert.deepEqual(kinds('supervise'), ['hang_expected']);
    assert.ok(!d.timeline.some((e) => e.action === 'mark_overdue'));
    const remind = d.timeline.find((e) => e.action === 'urge' && e.args.kind === 'hang_remind');
    assert.match(remind.args.note, /\d{4}年\d{1,2}月\d{1,2}日/, 'the date written the Chinese way');

    o.set(d); // the timer pass moved the version on
    assertError(await o.act(org.as('op-s1'), 'hang_lift', { note: '已完成' }), 400, 'missing_field', 'result');
    await o.must(org.as('op-s1'), 'hang_lift', { result: '管网改造完成，恢复供热' });
    d = await get('op-s1', o.id);
    assert.equal(d.hang, 'lifted');
    assert.equal(d.timeline.find((e) => e.action === 'hang_lift').args.result, '管网改造完成，恢复供热');
    assert.equal(ok(await list('hanging=true&limit=100')).items.length, 0);
  });
});

describe('parallel dispatch works together (002 ch. 4 并行派遣下的协同机制)', () => {
  const REPLY = { result: '已办结', closure: 'resolved', responsible: '陈主任', handler: '冯操作' };

  /** An order dispatched to street1 with dept1 and street2 assisting, signed by all three. */
  async function parallel() {
    const o = await intake(server, org, { category_id: org.categories.property.id, region_id: org.regions.c1.id });
    await o.must(org.as('agent1'), 'file');
    await o.must(org.as('dispatcher1'), 'dispatch', {
      unit_id: org.units.street1.id, assist_units: [org.units.dept1.id, org.units.street2.id],
    });
    for (const op of ['op-s1', 'op-zjw', 'op-s2']) await o.must(org.as(op), 'sign');
    return o;
  }

  test('pingshan-2020: the lead waits for every assisting unit; its reply includes their parts', async () => {
    ok(await usePreset('pingshan-2020'));
    const o = await parallel();
    assertError(await o.act(org.as('op-s1'), 'assist_report', { result: 'x' }), 403, 'forbidden', null);
    assertError(await o.act(org.as('op-zjw'), 'assist_report', {}), 400, 'missing_field', 'result');
    await o.must(org.as('op-zjw'), 'assist_report', { result: '已配合完成噪音检测' });
    assertError(await o.act(org.as('op-zjw'), 'assist_report', { result: '再报一次' }), 409, 'bad_state', null);
    const r = await o.act(org.as('op-s1'), 'reply', REPLY);
    assertError(r, 422, 'rule_violation', 'assist_units');
    assert.match(r.json.error.message, /协办单位/);
    assert.equal(o.status, 'handling');
    await o.must(org.as('op-s2'), 'assist_report', { result: '已配合清理现场' });
    await o.must(org.as('op-s1'), 'reply', REPLY);
    assert.equal(o.status, 'replied', 'answered when the lead replies');
    const d = await get('dispatcher1', o.id);
    const reply = d.timeline.find((e) => e.action === 'reply');
    assert.deepEqual(reply.args.assists.map((a) => a.unit_id).sort(), [org.units.dept1.id, org.units.street2.id].sort());
    assert.equal(reply.args.assists_pending, undefined);
    assert.equal(d.timeline.filter((e) => e.action === 'assist_report').length, 2);
  });

  test('dongcheng-2016: the lead\'s reply is the answer and names the part still missing', async () => {
    ok(await usePreset('dongcheng-2016'));
    const o = await parallel();
    await o.must(org.as('op-zjw'), 'assist_report', { result: '已配合完成噪音检测' });
    await o.must(org.as('op-s1'), 'reply', REPLY);
    assert.equal(o.status, 'replied');
    const reply = (await get('dispatcher1', o.id)).timeline.find((e) => e.action === 'reply');
    assert.deepEqual(reply.args.assists.map((a) => a.unit_id), [org.units.dept1.id]);
    assert.deepEqual(reply.args.assists_pending, [org.units.street2.id]);
  });
});
