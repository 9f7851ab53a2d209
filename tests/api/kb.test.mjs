// The knowledge base over the API (issue 11): a unit writes and submits, the platform reviews,
// the call-taker finds the entry from the complaint's text and answers citing it (the use is
// counted); refusals name their field: wrong role, other unit, edit under review, a rejection
// without reason, a citation of a missing or unpublished entry; an edit of a published entry is
// a new version and the history keeps both; the per-unit figures.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertError, call, intake, ok, setupOrg, startServer } from './server.mjs';

let server;
let org;
before(async () => {
  server = await startServer();
  org = await setupOrg(server);
});
after(async () => { await server.stop(); });

const kb = (method, p, login, body) => call(server, method, `/api/v1/kb${p}`, { token: org.as(login), body });
const ENTRY = {
  question: '夜间施工噪音扰民如何处理？',
  answer: '夜间22时至次日6时禁止产生噪声污染的建筑施工作业，可向城管执法部门举报，由其依法查处。',
  basis: '《中华人民共和国噪声污染防治法》第四十三条',
  valid_to: '2027-12-31',
};

describe('knowledge base', () => {
  let entry;
  test('a unit operator writes a draft; the other roles and units may not', async () => {
    assertError(await kb('POST', '', 'agent1', ENTRY), 403, 'forbidden');
    const other = await kb('POST', '', 'op-s2', { ...ENTRY, unit_id: org.units.street1.id });
    assertError(other, 403, 'forbidden', 'unit_id');
    assertError(await kb('POST', '', 'op-s1', { answer: '答' }), 400, 'missing_field', 'question');
    assertError(await kb('POST', '', 'op-s1', { ...ENTRY, valid_from: '2027-01-01', valid_to: '2026-01-01' }), 422, 'invalid', 'valid_to');
    assertError(await kb('POST', '', 'op-s1', { ...ENTRY, valid_to: '明年' }), 422, 'invalid', 'valid_to');
    assertError(await kb('POST', '', 'op-s1', { ...ENTRY, categories: [987654] }), 422, 'invalid', 'categories');
    assertError(await kb('POST', '', 'op-s1', { ...ENTRY, colour: 'red' }), 400, 'unknown_field', 'colour');
    const r = await kb('POST', '', 'op-s1', { ...ENTRY, categories: [org.categories.noise.id] });
    entry = ok(r, 201);
    assert.equal(entry.status, 'draft');
    assert.equal(entry.status_label, '草稿');
    assert.equal(entry.unit_id, org.units.street1.id);
    assert.match(r.headers.get('location'), /\/api\/v1\/kb\/\d+$/);
    // another unit does not see the draft
    assertError(await kb('GET', `/${entry.id}`, 'op-s2'), 404, 'not_found', 'id');
  });

  test('the unit leader submits; under review it is not edited; the platform reviews', async () => {
    assertError(await kb('POST', `/${entry.id}/submit`, 'op-s1', {}), 403, 'forbidden');
    ok(await kb('POST', `/${entry.id}/submit`, 'lead-s1', {}));
    const ed = await kb('PUT', `/${entry.id}`, 'op-s1', { answer: '改' });
    assertError(ed, 409, 'bad_state', 'status');
    assert.match(ed.json.error.message, /审核/);
    assertError(await kb('POST', `/${entry.id}/approve`, 'agent1', {}), 403, 'forbidden');
    assertError(await kb('POST', `/${entry.id}/approve`, 'lead-s1', {}), 403, 'forbidden');
    assertError(await kb('POST', `/${entry.id}/reject`, 'supervisor1', {}), 400, 'missing_field', 'note');
    const back = ok(await kb('POST', `/${entry.id}/reject`, 'supervisor1', { note: '请注明条款原文' }));
    assert.equal(back.status, 'draft');
    assert.equal(back.note, '请注明条款原文');
    ok(await kb('PUT', `/${entry.id}`, 'op-s1', { basis: ENTRY.basis + '：夜间施工须取得证明并公告' }));
    ok(await kb('POST', `/${entry.id}/submit`, 'lead-s1', {}));
    const pub = ok(await kb('POST', `/${entry.id}/approve`, 'supervisor1', {}));
    assert.equal(pub.status, 'published');
    assert.ok(pub.published_at_cn.includes('年'));
  });

  test('the call-taker finds it from the complaint and answers citing it', async () => {
    const text = encodeURIComponent('我家旁边工地每天晚上十一点还在施工，噪声特别大');
    const found = ok(await kb('GET', `?text=${text}`, 'agent1'));
    assert.equal(found.items[0].id, entry.id);
    const typed = ok(await kb('GET', `?q=${encodeURIComponent('噪音 施工')}`, 'agent1'));
    assert.deepEqual(typed.items.map((k) => k.id), [entry.id]);
    const other = ok(await kb('GET', `?q=${encodeURIComponent('噪音')}&category_id=${org.categories.property.id}`, 'agent1'));
    assert.equal(other.items.length, 0);
    assertError(await kb('GET', '?q=a&text=b', 'agent1'), 422, 'invalid', 'text');

    const o = await intake(server, org, { type: 'consult' });
    const bad = await o.act(org.as('agent1'), 'answer', { answer: '已答复', kb_entry: 99999 });
    assertError(bad, 404, 'not_found', 'kb_entry');
    assert.match(bad.json.error.message, /知识库条目/);
    const draft = ok(await kb('POST', '', 'op-s1', { question: '草稿', answer: '草稿' }), 201);
    assertError(await o.act(org.as('agent1'), 'answer', { answer: '已答复', kb_entry: draft.id }), 409, 'bad_state', 'kb_entry');
    await o.must(org.as('agent1'), 'answer', { answer: ENTRY.answer, kb_entry: entry.id });
    const after1 = ok(await kb('GET', `/${entry.id}`, 'agent1'));
    assert.equal(after1.uses, 1);
    assert.equal(after1.citable, true);
  });

  test('an edit of the published entry is a new version; the history keeps both', async () => {
    const put = await kb('PUT', `/${entry.id}`, 'op-s1', { answer: ENTRY.answer + '（2026年修订）' });
    const v2 = ok(put, 201);
    assert.equal(put.headers.get('location'), `/api/v1/kb/${v2.id}`);
    assert.equal(v2.version, 2);
    assert.equal(v2.entry_id, entry.id);
    assertError(await kb('PUT', `/${entry.id}`, 'op-s1', { answer: 'x' }), 409, 'bad_state', 'status');
    const still = ok(await kb('GET', `/${entry.id}`, 'agent1'));
    assert.equal(still.status, 'published');
    ok(await kb('POST', `/${v2.id}/submit`, 'lead-s1', {}));
    ok(await kb('POST', `/${v2.id}/approve`, 'admin', {}));
    const h = ok(await kb('GET', `/${v2.id}`, 'op-s1'));
    assert.deepEqual(h.history.map((v) => [v.version, v.status]), [[2, 'published'], [1, 'superseded']]);
    const old = ok(await kb('GET', `/${entry.id}`, 'agent1'));
    assert.equal(old.citable, false);
    // another unit reads the superseded version (an order may cite it) and lists the published
    assert.equal(ok(await kb('GET', `/${entry.id}`, 'op-s2')).status, 'superseded');
    const pubs = ok(await kb('GET', '?status=published', 'op-s2'));
    assert.ok(pubs.items.some((k) => k.id === v2.id));
    // but not another unit's drafts
    const mine = ok(await kb('GET', '', 'op-s2'));
    assert.equal(mine.items.length, 0);
  });

  test('withdrawal needs its reason; the figures of the period', async () => {
    assertError(await kb('POST', `/${entry.id}/withdraw`, 'lead-s1', { note: '过时' }), 409, 'bad_state', 'status');
    assertError(await kb('GET', '/stats', 'agent1'), 400, 'missing_field', 'period');
    assertError(await kb('GET', '/stats?period=someday', 'agent1'), 422, 'invalid', 'period');
    const now = new Date(Date.now() + 8 * 3600e3);
    const period = now.toISOString().slice(0, 7);
    const st = ok(await kb('GET', `/stats?period=${period}`, 'agent1'));
    const s1 = st.items.find((u) => u.unit_id === org.units.street1.id);
    assert.equal(s1.uses, 1);
    assert.equal(s1.stale, 0);
  });

  test('the routes are in the API document', async () => {
    const doc = ok(await call(server, 'GET', '/api/v1/openapi.json'));
    for (const p of ['/api/v1/kb', '/api/v1/kb/{id}', '/api/v1/kb/{id}/approve', '/api/v1/kb/stats']) {
      assert.ok(doc.paths[p], p);
      assert.ok(!Object.values(doc.paths[p]).some((op) => op['x-undocumented']), p);
    }
  });
});
