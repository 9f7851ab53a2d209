// The Open311 GeoReport v2 server (issue 15) against a real server: every resource in XML and
// JSON (the XML well-formed by xmllint and by this file's own parser, the same content in both
// formats, the JSON shaped by the spec's field names), the administration of the settings and
// of the client applications (keys kept as digests only), a request posted by a client that
// becomes an order of channel open311 through the intake, the official's answer shown as
// status_notes without the citizen's data, tokens of batch services, the list filters, and every
// error in the spec's format: 403 for a bad api_key, 404 for an unknown service, jurisdiction or
// request, 400 for a missing required attribute, location or jurisdiction.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { ADMIN, BIN, assertError, call, intake, ok, setupOrg, startServer } from './server.mjs';

let server;
let org;
let key; // the api_key of the first client
const JUR = 'demo.gov.cn';

// ---- XML: well-formedness (xmllint, independent) and a small strict parser -------------------

function xmllint(text) {
  // throws (non-zero exit) when the document is not well-formed
  execFileSync('xmllint', ['--noout', '-'], { input: text, stdio: ['pipe', 'pipe', 'pipe'] });
}

const ENT = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/** Parses an XML document into {name, children: [...], text}; throws on anything malformed. */
function parseXml(text) {
  assert.match(text, /^<\?xml version="1\.0" encoding="utf-8"\?>\n/i, 'no XML declaration with UTF-8');
  let i = text.indexOf('?>') + 2;
  const unescape = (s) => {
    assert.ok(!/[<>]/.test(s), `raw < or > in text: ${s}`);
    return s.replace(/&([a-z]+);|&/g, (m, e) => {
      assert.ok(e && ENT[e], `bad entity in ${s}`);
      return ENT[e];
    });
  };
  const skipWs = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const element = () => {
    const m = /^<([A-Za-z_][\w.-]*)\s*(\/?)>/.exec(text.slice(i));
    assert.ok(m, `expected an element at ${i}: ${text.slice(i, i + 40)}`);
    i += m[0].length;
    const node = { name: m[1], children: [], text: '' };
    if (m[2]) return node;
    for (;;) {
      const lt = text.indexOf('<', i);
      assert.ok(lt >= 0, `unclosed <${node.name}>`);
      node.text += unescape(text.slice(i, lt));
      i = lt;
      if (text.startsWith('</', i)) {
        const close = `</${node.name}>`;
        assert.ok(text.startsWith(close, i), `expected ${close} at ${text.slice(i, i + 40)}`);
        i += close.length;
        if (node.children.length) assert.equal(node.text.trim(), '', `mixed content in <${node.name}>`);
        return node;
      }
      node.children.push(element());
    }
  };
  skipWs();
  const root = element();
  skipWs();
  assert.equal(i, text.length, 'text after the document element');
  return root;
}

// Elements whose children are a list, with the name of their items (the Spark convention).
const LISTS = { services: 'service', service_requests: 'request', errors: 'error', attributes: 'attribute',
  values: 'value', endpoints: 'endpoint', formats: 'format' };
/** The JSON the XML stands for: objects, arrays for list elements, every scalar as its text. */
function sparkJson(node) {
  if (LISTS[node.name]) {
    for (const c of node.children) assert.equal(c.name, LISTS[node.name], `<${c.name}> inside <${node.name}>`);
    return node.children.map(sparkJson);
  }
  if (!node.children.length) return node.text;
  const o = {};
  for (const c of node.children) {
    assert.ok(!(c.name in o), `<${c.name}> twice in <${node.name}>`);
    o[c.name] = sparkJson(c);
  }
  return o;
}
/** JSON with every scalar as XML shows it (null: ''), to compare both formats. */
function asText(v) {
  if (Array.isArray(v)) return v.map(asText);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asText(x)]));
  return v === null || v === undefined ? '' : String(v);
}

/** GETs path in both formats; checks types, XML well-formedness, and that both say the same. */
async function both(path, status = 200) {
  const q = path.indexOf('?');
  const [base, query] = q < 0 ? [path, ''] : [path.slice(0, q), path.slice(q)];
  const j = await call(server, 'GET', `/open311/v2/${base}.json${query}`);
  const x = await call(server, 'GET', `/open311/v2/${base}.xml${query}`);
  assert.equal(j.status, status, `${base}.json: ${j.text}`);
  assert.equal(x.status, status, `${base}.xml: ${x.text}`);
  assert.match(j.headers.get('content-type'), /^application\/json; charset=utf-8/);
  assert.match(x.headers.get('content-type'), /^text\/xml; charset=utf-8/);
  xmllint(x.text);
  const root = parseXml(x.text);
  assert.deepEqual(sparkJson(root), asText(j.json), `${base}: XML and JSON differ`);
  return { json: j.json, root, xml: x.text };
}

/** POSTs a form to requests.{fmt}. */
async function post(form, fmt = 'json', headers = {}) {
  const body = new URLSearchParams(form).toString();
  const r = await call(server, 'POST', `/open311/v2/requests.${fmt}`,
    { raw: body, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers } });
  if (fmt === 'xml') {
    xmllint(r.text);
    r.root = parseXml(r.text);
    r.spark = sparkJson(r.root);
  }
  return r;
}

/** The spec's error in both shapes: [{code, description}] / <errors><error>; Chinese text. */
function specError(r, status, fmt = 'json') {
  assert.equal(r.status, status, r.text);
  let list;
  if (fmt === 'json') {
    list = r.json;
    assert.ok(Array.isArray(list) && list.length >= 1, r.text);
    for (const e of list) {
      assert.deepEqual(Object.keys(e).sort(), ['code', 'description']);
      assert.equal(e.code, status);
    }
  } else {
    xmllint(r.text);
    const root = parseXml(r.text);
    assert.equal(root.name, 'errors');
    list = sparkJson(root);
    for (const e of list) assert.equal(e.code, String(status));
  }
  for (const e of list) assert.match(e.description, /[\u4e00-\u9fff]/, `not Chinese: ${e.description}`);
  return list[0].description;
}

// ---- the spec's field names (GeoReport v2; schemas of open311/schema-validation) -------------

function shape(obj, required, optional, what) {
  assert.ok(obj && typeof obj === 'object' && !Array.isArray(obj), `${what} is not an object`);
  for (const k of required) assert.ok(k in obj, `${what} lacks ${k}`);
  for (const k of Object.keys(obj)) assert.ok(required.includes(k) || optional.includes(k), `${what} has ${k}, not a spec field`);
}
const isStrOrNull = (v) => v === null || typeof v === 'string';
function checkService(s) {
  shape(s, ['service_code', 'service_name', 'metadata', 'type'], ['description', 'keywords', 'group'], 'service');
  assert.equal(typeof s.service_code, 'string');
  assert.equal(typeof s.service_name, 'string');
  assert.equal(typeof s.metadata, 'boolean');
  assert.ok(['realtime', 'batch', 'blackbox'].includes(s.type));
  for (const k of ['description', 'keywords', 'group']) assert.ok(isStrOrNull(s[k]), k);
}
function checkDefinition(d) {
  shape(d, ['service_code', 'attributes'], [], 'service_definition');
  assert.ok(Array.isArray(d.attributes));
  const orders = new Set();
  for (const a of d.attributes) {
    shape(a, ['variable', 'code', 'datatype', 'required'], ['datatype_description', 'order', 'description', 'values'], 'attribute');
    assert.equal(typeof a.variable, 'boolean');
    assert.equal(typeof a.required, 'boolean');
    assert.equal(typeof a.code, 'string');
    assert.ok(['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'].includes(a.datatype));
    assert.ok(Number.isInteger(a.order) && a.order > 0 && !orders.has(a.order), 'order: a positive integer used once');
    orders.add(a.order);
    if (a.datatype.endsWith('valuelist')) {
      assert.ok(a.values.length > 0);
      for (const v of a.values) shape(v, ['key', 'name'], [], 'value');
    }
  }
}
const REQUEST_FIELDS = ['status_notes', 'service_name', 'description', 'agency_responsible', 'service_notice',
  'updated_datetime', 'expected_datetime', 'address', 'address_id', 'zipcode', 'lat', 'long', 'media_url'];
const W3C = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/;
function checkRequest(r) {
  shape(r, ['service_request_id', 'status', 'service_code', 'requested_datetime'], REQUEST_FIELDS, 'request');
  assert.equal(typeof r.service_request_id, 'string');
  assert.ok(['open', 'closed'].includes(r.status));
  assert.match(r.requested_datetime, W3C);
  for (const k of ['updated_datetime', 'expected_datetime']) if (r[k] !== null) assert.match(r[k], W3C, k);
  for (const k of ['lat', 'long']) assert.ok(r[k] === null || typeof r[k] === 'number', k);
  for (const k of ['status_notes', 'service_name', 'description', 'agency_responsible', 'service_notice', 'address', 'address_id', 'zipcode', 'media_url']) {
    assert.ok(isStrOrNull(r[k]), k);
  }
  if (r.description) assert.ok([...r.description].length <= 4000);
}

const admin = () => org.admin;
async function configure(body) {
  return call(server, 'PUT', '/api/v1/open311', { token: admin(), body });
}
let CONFIG;

before(async () => {
  server = await startServer();
  org = await setupOrg(server);
  CONFIG = {
    jurisdiction_id: JUR, contact: '示范区12345热线 010-12345', key_service: '向区政务服务管理局申请接入密钥',
    service_notice: '已受理，将按规定时限办理并答复',
    services: [
      { category_id: org.categories.noise.id, description: '施工、社会生活噪音', keywords: '噪音,施工,扰民',
        attributes: [
          { code: 'when', datatype: 'singlevaluelist', required: true, description: '发生时段',
            values: [{ key: 'night', name: '夜间' }, { key: 'day', name: '白天' }] },
          { code: 'floor', datatype: 'number', description: '所在楼层' },
          { code: 'sources', datatype: 'multivaluelist', description: '噪音来源',
            values: [{ key: 'machine', name: '机械' }, { key: 'music', name: '音乐' }, { key: 'voice', name: '人声' }] },
        ] },
      { category_id: org.categories.property.id, type: 'batch', request_type: 'request' },
    ],
  };
  ok(await configure(CONFIG));
  const client = ok(await call(server, 'POST', '/api/v1/open311/clients', { token: admin(), body: { name: 'FixMyStreet 示范' } }), 201);
  key = client.api_key;
});
after(async () => { await server.stop(); });

const FORM = () => ({
  api_key: key, jurisdiction_id: JUR, service_code: org.categories.noise.code, lat: '39.9301', long: '116.4102',
  address_string: '多福巷12号', first_name: '三', last_name: '张', phone: '13812341111', email: 'zhangsan@example.org',
  description: '工地每晚11点后仍在施工，噪音很大。', 'attribute[when]': 'night',
  media_url: 'https://photos.example.org/p/1.jpg', device_id: 'dev-1', account_id: 'acct-9',
});

describe('administration of the settings and the clients', () => {
  test('only the administrator reads and edits the settings; keys are shown once, kept as digests', async () => {
    assertError(await call(server, 'GET', '/api/v1/open311', { token: org.as('agent1') }), 403, 'forbidden');
    assertError(await call(server, 'PUT', '/api/v1/open311', { token: org.as('dispatcher1'), body: CONFIG }), 403, 'forbidden');
    assertError(await call(server, 'POST', '/api/v1/open311/clients', { token: org.as('agent1'), body: { name: 'x' } }), 403, 'forbidden');
    const cfg = ok(await call(server, 'GET', '/api/v1/open311', { token: admin() }));
    assert.equal(cfg.jurisdiction_id, JUR);
    assert.equal(cfg.services.length, 2);
    assert.equal(cfg.clients.length >= 1, true);
    const text = JSON.stringify(cfg);
    assert.ok(!text.includes(key), 'the api_key is never shown again');
    assert.ok(!/key_hash|secret/.test(text), 'no digest, no secret');
    assert.match(key, /^[0-9a-f]{64}$/);
    // the digest only is stored: not the key
    const stored = JSON.stringify(ok(await call(server, 'GET', '/api/v1/audit?limit=200', { token: org.as('auditor1') })));
    assert.ok(!stored.includes(key));
  });

  test('a bad edit is refused naming the field and changes nothing', async () => {
    const before = ok(await call(server, 'GET', '/api/v1/open311', { token: admin() }));
    const cases = [
      [{ ...CONFIG, services: [{ category_id: 424242 }] }, 'services[0].category_id'],
      [{ ...CONFIG, services: [{ category_id: org.categories.noise.id, attributes: [{ code: 'x', datatype: 'colour', description: 'x' }] }] }, 'services[0].attributes[0].datatype'],
      [{ ...CONFIG, services: [{ category_id: org.categories.noise.id, attributes: [{ code: 'x', datatype: 'singlevaluelist', description: '选' }] }] }, 'services[0].attributes[0].values'],
      [{ ...CONFIG, services: [{ category_id: org.categories.noise.id }, { category_id: org.categories.noise.id }] }, 'services[1].category_id'],
      [{ ...CONFIG, jurisdiction_id: 'bad id!' }, 'jurisdiction_id'],
      [{ ...CONFIG, offer: 'some' }, 'offer'],
      [{ ...CONFIG, colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const r = await configure(body);
      assert.ok(r.status === 400 || r.status === 422, r.text);
      assertError(r, undefined, undefined, field, ['colour', 'some', 'bad', 'id']);
    }
    assert.deepEqual(ok(await call(server, 'GET', '/api/v1/open311', { token: admin() })), before);
  });
});

describe('the command line', () => {
  test('jiesu open311 registers a client (its key printed once) and revokes it; the server follows', async () => {
    const run = (...args) => execFileSync(BIN, ['open311', '--db', server.db, ...args], { encoding: 'utf8', stdio: 'pipe' });
    const out = run('--add-client', '命令行客户端');
    const cliKey = out.match(/\b([0-9a-f]{64})\b/)[1];
    assert.match(run('--clients'), /命令行客户端/);
    assert.ok(!run().includes(cliKey), 'the settings never show a key');
    assert.equal((await post({ ...FORM(), api_key: cliKey })).status, 201);
    const id = out.match(/已登记客户端 (\d+)/)[1];
    assert.match(run('--revoke', id), /已停用/);
    specError(await post({ ...FORM(), api_key: cliKey }), 403);
    let failed = null;
    try { run('--revoke', id); } catch (err) { failed = err; }
    assert.ok(failed && failed.status === 1 && /已停用/.test(failed.stderr), 'revoking twice fails');
  });
});

describe('discovery, services and service definitions in XML and JSON', () => {
  test('discovery names the endpoint, its formats, the contact and how to get a key', async () => {
    const { json, root } = await both('discovery');
    assert.equal(root.name, 'discovery');
    shape(json, ['changeset', 'contact', 'key_service', 'endpoints'], [], 'discovery');
    assert.equal(json.contact, CONFIG.contact);
    assert.equal(json.key_service, CONFIG.key_service);
    assert.match(json.changeset, W3C);
    assert.ok(Date.parse(json.changeset) <= Date.now());
    assert.equal(json.endpoints.length, 1);
    const ep = json.endpoints[0];
    shape(ep, ['specification', 'url', 'changeset', 'type', 'formats'], [], 'endpoint');
    assert.equal(ep.specification, 'http://wiki.open311.org/GeoReport_v2');
    assert.equal(ep.url, `${server.url}/open311/v2`);
    assert.ok(ep.formats.includes('text/xml') && ep.formats.includes('application/json'));
    assert.equal(ep.type, 'production');
  });

  test('services: the categories offered, coded as the category tree codes them', async () => {
    const { json, root } = await both(`services?jurisdiction_id=${JUR}`);
    assert.equal(root.name, 'services');
    json.forEach(checkService);
    assert.deepEqual(json.map((s) => s.service_code), [org.categories.property.code, org.categories.noise.code]);
    const noise = json.find((s) => s.service_code === org.categories.noise.code);
    assert.equal(noise.service_name, '噪音污染');
    assert.equal(noise.group, '环境保护');
    assert.equal(noise.keywords, '噪音,施工,扰民');
    assert.equal(noise.type, 'realtime');
    assert.equal(json.find((s) => s.service_code === org.categories.property.code).type, 'batch');
    // offering every category lists the whole tree; then back to the listed ones
    ok(await configure({ ...CONFIG, offer: 'all' }));
    assert.equal((await both('services')).json.length, 4);
    ok(await configure(CONFIG));
    assert.equal((await both('services')).json.length, 2);
  });

  test('a service definition lists its attributes, the request type first', async () => {
    const { json, root } = await both(`services/${org.categories.noise.code}`);
    assert.equal(root.name, 'service_definition');
    checkDefinition(json);
    assert.equal(json.service_code, org.categories.noise.code);
    assert.deepEqual(json.attributes.map((a) => a.code), ['request_type', 'when', 'floor', 'sources']);
    assert.equal(json.attributes[0].required, false);
    assert.ok(json.attributes[0].values.some((v) => v.key === 'complaint' && v.name === '投诉'));
    const when = json.attributes[1];
    assert.equal(when.required, true);
    assert.deepEqual(when.values, [{ key: 'night', name: '夜间' }, { key: 'day', name: '白天' }]);
  });

  test('an unknown service, jurisdiction or resource is 404 in the spec\'s error format', async () => {
    for (const fmt of ['json', 'xml']) {
      specError(await call(server, 'GET', `/open311/v2/services/99.99.${fmt}`), 404, fmt);
      specError(await call(server, 'GET', `/open311/v2/services.${fmt}?jurisdiction_id=elsewhere.gov.cn`), 404, fmt);
      specError(await call(server, 'GET', `/open311/v2/widgets.${fmt}`), 404, fmt);
      specError(await call(server, 'GET', `/open311/v2/requests/1.${fmt}`), 404, fmt);
      specError(await call(server, 'GET', `/open311/v2/services.${fmt}?colour=red`), 400, fmt);
    }
    specError(await call(server, 'GET', '/open311/v2/services.html'), 404, 'xml');
  });

  test('a long Chinese code or parameter is quoted cut between characters, never inside one', async () => {
    const long = '东城区交道口街道菊儿胡同'.repeat(3); // 36 characters, 108 bytes: past every quote's room
    for (const fmt of ['json', 'xml']) {
      let d = specError(await call(server, 'GET', `/open311/v2/services/${encodeURIComponent(long)}.${fmt}`), 404, fmt);
      assert.ok(d.includes('东城区交道口街道菊儿胡同东城区'), d);
      assert.ok(!d.includes('\ufffd'), d);
      d = specError(await call(server, 'GET', `/open311/v2/services.${fmt}?${encodeURIComponent(long)}=1`), 400, fmt);
      assert.ok(d.includes('东城区交道口街道'), d);
      assert.ok(!d.includes('\ufffd'), d);
    }
  });
});

describe('POST requests: a client\'s request becomes an order through the intake', () => {
  test('in both formats, visible in /api/v1/orders as channel open311, fields mapped', async () => {
    const before = ok(await call(server, 'GET', '/api/v1/orders?channel=open311&limit=500', { token: org.as('agent1') })).items.length;
    const j = await post({ ...FORM(), 'attribute[floor]': '3', 'attribute[sources][]': 'machine', 'attribute[request_type]': 'report' }, 'json');
    assert.equal(j.status, 201, j.text);
    assert.equal(j.json.length, 1);
    shape(j.json[0], ['service_request_id'], ['service_notice', 'account_id', 'token'], 'created request');
    assert.ok(!('token' in j.json[0]), 'a realtime service answers the id, not a token');
    assert.equal(j.json[0].service_notice, CONFIG.service_notice);
    assert.equal(j.json[0].account_id, 'acct-9');
    const id = j.json[0].service_request_id;
    assert.equal(j.headers.get('location'), `/open311/v2/requests/${id}.json`);

    const x = await post(FORM(), 'xml');
    assert.equal(x.status, 201, x.text);
    assert.equal(x.root.name, 'service_requests');
    assert.match(x.spark[0].service_request_id, /^\d{13,}$/);

    const list = ok(await call(server, 'GET', '/api/v1/orders?channel=open311&limit=500', { token: org.as('agent1') })).items;
    assert.equal(list.length, before + 2);
    const order = ok(await call(server, 'GET', `/api/v1/orders/${id}`, { token: org.as('agent1') }));
    const o = order.order || order;
    assert.equal(o.number, id);
    assert.equal(o.channel, 'open311');
    assert.equal(o.status, 'received');
    assert.equal(o.type, 'report');
    assert.equal(o.category_id, org.categories.noise.id);
    assert.equal(o.citizen_name, '张三');
    assert.equal(o.citizen_phone, '13812341111');
    assert.equal(o.address, '多福巷12号');
    assert.equal(o.lat, 39.9301);
    assert.equal(o.lon, 116.4102);
    assert.match(o.title, /^噪音污染：工地每晚11点后/);
    assert.match(o.text, /工地每晚11点后仍在施工/);
    assert.match(o.text, /【发生时段】夜间/);
    assert.match(o.text, /【所在楼层】3/);
    assert.match(o.text, /【噪音来源】机械/);
    assert.ok(o.attachments.some((a) => a.url === 'https://photos.example.org/p/1.jpg'));
    // the timeline says who sent it; the e-mail, device and account are in the audit trail only
    const events = order.events || order.timeline || [];
    assert.ok(JSON.stringify(events).includes('Open311：FixMyStreet 示范'), JSON.stringify(events).slice(0, 400));
    const audit = JSON.stringify(ok(await call(server, 'GET', '/api/v1/audit?limit=200', { token: org.as('auditor1') })));
    assert.ok(audit.includes('zhangsan@example.org') && audit.includes('dev-1'));
    // the intake's search index has it, like any order
    const found = ok(await call(server, 'GET', `/api/v1/search?q=${encodeURIComponent(id)}`, { token: org.as('agent1') }));
    assert.ok(JSON.stringify(found).includes(id));
  });

  test('what FixMyStreet sends: one media_url per photo, deviceid, empty attributes', async () => {
    const pairs = [...Object.entries(FORM()).filter(([k]) => !['media_url', 'device_id', 'first_name', 'last_name'].includes(k)),
      ['media_url', 'https://fms.example/photo/1.jpeg'], ['media_url', 'https://fms.example/photo/2.jpeg'],
      ['deviceid', 'svc-7'], ['attribute[floor]', ''], ['first_name', ''], ['last_name', '']];
    const r = await post(pairs, 'xml');
    assert.equal(r.status, 201, r.text);
    const id = r.spark[0].service_request_id;
    const got = ok(await call(server, 'GET', `/api/v1/orders/${id}`, { token: org.as('agent1') }));
    const o = got.order || got;
    assert.deepEqual(o.attachments.map((a) => a.url), ['https://fms.example/photo/1.jpeg', 'https://fms.example/photo/2.jpeg']);
    assert.ok(!o.citizen_name, 'empty names are no names');
    const audit = JSON.stringify(ok(await call(server, 'GET', '/api/v1/audit?limit=200', { token: org.as('auditor1') })));
    assert.ok(audit.includes('device_id=svc-7'));
  });

  test('every refusal is the spec\'s error, and creates nothing', async () => {
    const count = async () => ok(await call(server, 'GET', '/api/v1/orders?limit=500', { token: org.as('agent1') })).items.length;
    const n0 = await count();
    for (const fmt of ['json', 'xml']) {
      specError(await post({ ...FORM(), api_key: 'f'.repeat(64) }, fmt), 403, fmt);
      const { api_key: _, ...noKey } = FORM();
      specError(await post(noKey, fmt), 403, fmt);
      specError(await post({ ...FORM(), service_code: '77.77' }, fmt), 404, fmt);
      const { 'attribute[when]': __, ...noWhen } = FORM();
      assert.match(specError(await post(noWhen, fmt), 400, fmt), /attribute\[when\]/);
      specError(await post({ ...FORM(), jurisdiction_id: 'elsewhere.gov.cn' }, fmt), 404, fmt);
    }
    const { lat: _a, long: _b, address_string: _c, ...noPlace } = FORM();
    assert.match(specError(await post(noPlace), 400), /address_string/);
    specError(await post({ ...FORM(), long: '' }), 400);
    specError(await post({ ...FORM(), lat: '95' }), 400);
    specError(await post({ ...FORM(), 'attribute[when]': 'dawn' }), 400);
    specError(await post({ ...FORM(), 'attribute[when][]': 'day' }), 400); // two values for a single-value list
    specError(await post({ ...FORM(), 'attribute[floor]': 'third' }), 400);
    specError(await post({ ...FORM(), 'attribute[colour]': 'red' }), 400);
    specError(await post({ ...FORM(), 'attribute[request_type]': 'gossip' }), 400);
    specError(await post({ ...FORM(), colour: 'red' }), 400);
    specError(await post({ ...FORM(), description: '长'.repeat(4001) }), 400);
    specError(await post({ ...FORM(), phone: 'call me' }), 400);
    specError(await post({ ...FORM(), media_url: 'javascript:alert(1)' }), 400);
    const asJson = await call(server, 'POST', '/open311/v2/requests.json', { body: FORM() });
    specError(asJson, 400);
    specError(await call(server, 'POST', '/open311/v2/services.json', { raw: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 404);
    specError(await call(server, 'POST', '/open311/v2/requests.json', { raw: 'api_key=%zz', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 400);
    // a revoked client's key stops working at once
    const second = ok(await call(server, 'POST', '/api/v1/open311/clients', { token: admin(), body: { name: '第二客户端' } }), 201);
    assert.equal((await post({ ...FORM(), api_key: second.api_key })).status, 201);
    assert.equal((await call(server, 'DELETE', `/api/v1/open311/clients/${second.id}`, { token: admin() })).status, 204);
    specError(await post({ ...FORM(), api_key: second.api_key }), 403);
    assertError(await call(server, 'DELETE', `/api/v1/open311/clients/${second.id}`, { token: admin() }), 409);
    assertError(await call(server, 'DELETE', '/api/v1/open311/clients/999', { token: admin() }), 404);
    assert.equal(await count(), n0 + 1, 'only the accepted request made an order');
    // when the jurisdiction is required, leaving it out is 400
    ok(await configure({ ...CONFIG, require_jurisdiction: true }));
    const { jurisdiction_id: _j, ...noJur } = FORM();
    specError(await post(noJur), 400);
    specError(await call(server, 'GET', '/open311/v2/services.xml'), 400, 'xml');
    assert.equal((await call(server, 'GET', `/open311/v2/services.xml?jurisdiction_id=${JUR}`)).status, 200);
    ok(await configure(CONFIG));
    assert.equal(await count(), n0 + 1);
  });

  test('a batch service answers a token that tokens/{token} turns into the id', async () => {
    const r = await post({ ...FORM(), service_code: org.categories.property.code, 'attribute[when]': '' }, 'xml');
    assert.equal(r.status, 201, r.text);
    const created = r.spark[0];
    assert.ok(created.token && !('service_request_id' in created), r.text);
    const { json } = await both(`tokens/${created.token}`);
    assert.equal(json.length, 1);
    shape(json[0], ['service_request_id', 'token'], [], 'token answer');
    assert.equal(json[0].token, created.token);
    const order = ok(await call(server, 'GET', `/api/v1/orders/${json[0].service_request_id}`, { token: org.as('agent1') }));
    assert.equal((order.order || order).type, 'request', 'the service\'s request type');
    const forged = created.token.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    specError(await call(server, 'GET', `/open311/v2/tokens/${forged}.json`), 404);
    specError(await call(server, 'GET', '/open311/v2/tokens/1-abc.xml'), 404, 'xml');
  });
});

describe('GET requests: status, the public answer, filters', () => {
  let mine; // an Open311 request
  let other; // a hotline order, never reachable through Open311
  before(async () => {
    const r = await post({ ...FORM(), description: '夜间施工 <b>&"\'</b> 严重' });
    assert.equal(r.status, 201, r.text);
    mine = r.json[0].service_request_id;
    other = await intake(server, org, { category_id: org.categories.noise.id });
  });

  test('one request in both formats; XML escapes what the citizen wrote', async () => {
    const { json, xml } = await both(`requests/${mine}`);
    assert.equal(json.length, 1);
    checkRequest(json[0]);
    assert.equal(json[0].service_request_id, mine);
    assert.equal(json[0].status, 'open');
    assert.equal(json[0].service_code, org.categories.noise.code);
    assert.equal(json[0].service_name, '噪音污染');
    assert.match(json[0].description, /夜间施工 <b>&"'<\/b> 严重/);
    assert.ok(xml.includes('&lt;b&gt;&amp;&quot;&apos;&lt;/b&gt;'));
    assert.equal(json[0].lat, 39.9301);
    assert.equal(json[0].media_url, 'https://photos.example.org/p/1.jpg');
    assert.equal(json[0].service_notice, CONFIG.service_notice);
    specError(await call(server, 'GET', `/open311/v2/requests/${other.number}.json`), 404);
  });

  test('the official\'s answer becomes status_notes, without the citizen\'s data; closed once closed', async () => {
    const o = (await import('./server.mjs')).Order;
    const got = ok(await call(server, 'GET', `/api/v1/orders/${mine}`, { token: org.as('agent1') }));
    const order = new o(server, got.order || got);
    await order.must(org.as('agent1'), 'answer', {
      answer: '张三您好，已责成施工单位停止夜间施工，如再发生请拨打13812341111以外的 010-12345678 或邮件 zhangsan@example.org。',
    });
    let { json, xml } = await both(`requests/${mine}`);
    assert.equal(json[0].status, 'open');
    assert.match(json[0].status_notes, /已责成施工单位停止夜间施工/);
    for (const secret of ['张三', '13812341111', 'zhangsan@example.org', '12345678']) {
      assert.ok(!JSON.stringify(json).includes(secret), `${secret} shown`);
      assert.ok(!xml.includes(secret), `${secret} shown in XML`);
    }
    await order.must(org.as('callback1'), 'callback', { contacted: true, solved: true, satisfaction: 'satisfied' });
    await order.must(org.as('callback1'), 'close', {});
    ({ json } = await both(`requests/${mine}`));
    assert.equal(json[0].status, 'closed');
    assert.match(json[0].status_notes, /已责成施工单位停止夜间施工/);
    const closed = (await both('requests?status=closed')).json;
    assert.ok(closed.some((r) => r.service_request_id === mine));
    assert.ok(!(await both('requests?status=open')).json.some((r) => r.service_request_id === mine));
  });

  test('filters: ids, service codes, dates; only Open311 requests, every one shaped by the spec', async () => {
    const all = (await both('requests')).json;
    all.forEach(checkRequest);
    assert.ok(all.length >= 4);
    assert.ok(!all.some((r) => r.service_request_id === other.number), 'a hotline order is not listed');
    assert.ok(!JSON.stringify(all).includes('13812341111'));
    const ids = (await both(`requests?service_request_id=${mine},${other.number},1`)).json;
    assert.deepEqual(ids.map((r) => r.service_request_id), [mine]);
    const byCode = (await both(`requests?service_code=${org.categories.property.code}`)).json;
    assert.ok(byCode.length >= 1 && byCode.every((r) => r.service_code === org.categories.property.code));
    const future = (await both('requests?start_date=2099-01-01T00:00:00Z')).json;
    assert.deepEqual(future, []);
    const today = new Date(Date.now() - 3600e3).toISOString().replace(/\.\d+Z$/, 'Z');
    assert.equal((await both(`requests?start_date=${today}`)).json.length, all.length);
    specError(await call(server, 'GET', '/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-12-31T00:00:00Z'), 400);
    specError(await call(server, 'GET', '/open311/v2/requests.json?start_date=yesterday'), 400);
    specError(await call(server, 'GET', '/open311/v2/requests.xml?status=pending'), 400, 'xml');
    specError(await call(server, 'GET', '/open311/v2/requests.json?service_code=77.77'), 404);
  });
});

describe('the API document', () => {
  test('describes the Open311 routes with their media types', async () => {
    const doc = ok(await call(server, 'GET', '/api/v1/openapi.json'));
    const post = doc.paths['/open311/v2/{file}'].post;
    assert.ok(post.requestBody.content['application/x-www-form-urlencoded']);
    assert.deepEqual(post.security, []);
    assert.ok(doc.paths['/open311/v2/{file}'].get.responses['200'].content['text/xml']);
    for (const p of ['/open311/v2/services/{id}', '/open311/v2/requests/{id}', '/open311/v2/tokens/{id}', '/api/v1/open311', '/api/v1/open311/clients', '/api/v1/open311/clients/{id}']) {
      assert.ok(doc.paths[p], p);
      for (const op of Object.values(doc.paths[p])) assert.ok(!op['x-undocumented'], p);
    }
    void ADMIN;
  });
});
