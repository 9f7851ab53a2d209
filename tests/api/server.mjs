// Test helper for the API tests: makes a fresh database (`jiesu init` + `jiesu useradd` for the
// first admin), starts a real `jiesu serve` on a free loopback port, talks to it with fetch,
// builds a small organisation through the API itself, and stops the server with SIGTERM,
// checking that it exits cleanly.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.JIESU_BIN || path.join(ROOT, 'build', 'jiesu');
export const ADMIN = { login: 'admin', password: 'admin-pass-2026' };
export const PASSWORD = 'pass-2026-jiesu'; // every other test user's password

/**
 * A fresh database for a server in dir: a SQLite file there, or, when JIESU_PG_URL is set
 * (`scripts/pgtest run`), a new schema of that PostgreSQL database as a URL whose search_path
 * selects it.
 */
export function freshDb(dir, name = 'jiesu.db') {
  const pg = process.env.JIESU_PG_URL;
  if (!pg) return path.join(dir, name);
  const schema = `api_${path.basename(dir)}_${name}`.replace(/[^A-Za-z0-9]/g, '_').toLowerCase();
  execFileSync('psql', [pg, '-qc', `SET client_min_messages = warning;
    DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`], { stdio: 'pipe' });
  return `${pg}${pg.includes('?') ? '&' : '?'}options=-csearch_path%3D${schema}`;
}

/** Starts a server on a fresh database. options.config: an object written as --config FILE. */
export async function startServer(options = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'jiesu-api-'));
  const db = freshDb(dir);
  const web = path.join(dir, 'web');
  mkdirSync(web);
  writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>jiesu</title><p>接诉即办</p>\n');
  execFileSync(BIN, ['init', '--db', db], { stdio: 'pipe' });
  execFileSync(BIN, ['useradd', '--db', db, '--login', ADMIN.login, '--name', '系统管理员',
    '--role', 'admin', '--password', ADMIN.password], { stdio: 'pipe' });
  // no scheduler thread: the tests compare orders before and after requests, and a timer
  // action running meanwhile would change them
  const args = ['serve', '--db', db, '--listen', '127.0.0.1:0', '--web', web,
    '--threads', String(options.threads ?? 4), '--tick-seconds', '0'];
  if (options.config) {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(options.config));
    args.push('--config', file);
  }
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-200000); });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stderr}`)), 15000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/jiesu: 服务地址 (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited ${code}:\n${stderr}`)); });
  });
  const server = {
    url, dir, db, child,
    log: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      let timer;
      const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(null), 15000); });
      const result = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      assert.ok(result, 'the server did not stop within 15 s of SIGTERM');
      assert.deepEqual(result, { code: 0, signal: null }, `unclean exit:\n${stderr.slice(-2000)}`);
      return stderr;
    },
  };
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.status === 200) break;
    } catch { /* not yet */ }
    if (i > 100) throw new Error('healthz never answered 200');
    await new Promise((r) => setTimeout(r, 50));
  }
  return server;
}

/** One request. body: a value sent as JSON; raw: a string or Buffer sent as is. */
export async function call(server, method, urlPath, { token, body, raw, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload;
  if (raw !== undefined) {
    payload = raw;
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
  }
  const res = await fetch(server.url + urlPath, { method, headers: h, body: payload });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  return { status: res.status, headers: res.headers, text, json };
}

// Words a Chinese message may hold: formats, products and wire values people type as they are.
const ASCII_OK = new Set(['UTF-8', 'JSON', 'ASCII', 'YYYY-MM-DD', 'YYYY', 'YYYY-MM', 'YYYY-Qn', 'Idempotency-Key',
  'PostgreSQL', 'SQLite', 'application/json', 'true', 'false', 'http', 'https', 'api', 'POST', 'GET', 'PUT', 'PATCH', 'DELETE',
  'json', 'csv', 'xlsx', 'IPv4', 'IPv6', 'hotline-12345', 'next_cursor']);

/**
 * The English words of a message people read: runs of 3+ ASCII letters that are not a field
 * name (snake_case, a dotted path, a word in full-width parentheses or quotes, or a word named in
 * allowed: the request's field names and values) nor a format name. [] when the message is clean.
 */
export function englishWords(message, allowed = []) {
  const ok = new Set([...ASCII_OK, ...allowed.map(String)]);
  // a list of the wire values a field takes ("应为以下之一：consult、suggest…") is codes
  let text = String(message).replace(/（[^）]*）/g, '').replace(/“[^”]*”/g, '').replace(/'[^']*'/g, '')
    .replace(/(?:^|\s)\/[\w/{}.-]+/g, ' '); // quoted names, URL paths
  // a list of the wire values a field takes ("应为以下之一：consult、suggest…", "须为 a、b 或 c")
  if (/、/.test(text)) text = text.replace(/\b[a-z][a-z0-9_-]*\b/g, '');
  const out = [];
  for (const m of text.matchAll(/[A-Za-z][A-Za-z0-9_./-]*/g)) {
    const w = m[0].replace(/[./-]+$/, '');
    if ((w.match(/[A-Za-z]/g) || []).length < 3 || /[_.[\]]/.test(w) || ok.has(w)) continue;
    out.push(w);
  }
  return out;
}

/** The words of a request a message may quote: its field names and string values, deeply. */
export function requestWords(...values) {
  const out = [];
  const walk = (v) => {
    if (v === null || v === undefined) return;
    if (typeof v === 'string') { out.push(v, ...v.split(/[^A-Za-z0-9_-]+/)); return; }
    if (typeof v !== 'object') { out.push(String(v)); return; }
    for (const [k, x] of Object.entries(v)) { out.push(k); walk(x); }
  };
  values.forEach(walk);
  return out;
}

/**
 * Asserts the one error shape and returns the error object. Its message is what people read: it
 * must be Chinese, with no English word but the field it names (and extra allowed words).
 */
export function assertError(r, status, code, field, allowed = []) {
  if (status !== undefined) assert.equal(r.status, status, `expected ${status} ${code}, got ${r.status}: ${r.text}`);
  else assert.ok(r.status >= 400, `expected an error, got ${r.status}: ${r.text}`);
  assert.ok(r.json && r.json.error, `not an error body: ${r.text}`);
  assert.deepEqual(Object.keys(r.json).sort(), ['error']);
  assert.deepEqual(Object.keys(r.json.error).sort(), ['code', 'field', 'message']);
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(r.json.error.message.length > 0);
  if (code !== undefined) assert.equal(r.json.error.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
  const e = r.json.error;
  assert.match(e.message, /[\u4e00-\u9fff]/, `the message is not Chinese: ${r.text}`);
  const words = englishWords(e.message, [...requestWords(e.field, allowed), ...String(e.field || '').split(/[^A-Za-z0-9_]+/)]);
  assert.deepEqual(words, [], `English words in the message people read: ${r.text}`);
  return e;
}

/** Asserts a 2xx answer and returns its JSON. */
export function ok(r, status = 200) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text}`);
  return r.json;
}

export async function login(server, loginName, password = PASSWORD) {
  const r = await call(server, 'POST', '/api/v1/auth/login', { body: { login: loginName, password } });
  return ok(r).token;
}

/** The platform users made by setupOrg, by role. */
export const PLATFORM = {
  agent: 'agent1', dispatcher: 'dispatcher1', reviewer: 'reviewer1', callback: 'callback1',
  supervisor: 'supervisor1', auditor: 'auditor1', leader: 'leader1',
};

/**
 * Builds a small district through the API as the admin: regions, categories, five units (two
 * streets, two departments, one enterprise), a user for every platform role, an operator and a
 * leader for three units, and catalogue entries. Returns ids and a token per login.
 */
export async function setupOrg(server) {
  const admin = await login(server, ADMIN.login, ADMIN.password);
  const post = async (p, body) => ok(await call(server, 'POST', p, { token: admin, body }), 201);
  const district = await post('/api/v1/regions', { level: 'district', code: 'D01', name: '示范区' });
  const s1 = await post('/api/v1/regions', { level: 'street', code: 'D01.S01', name: '东华门街道', parent_id: district.id });
  const s2 = await post('/api/v1/regions', { level: 'street', code: 'D01.S02', name: '景山街道', parent_id: district.id });
  const c1 = await post('/api/v1/regions', { level: 'community', code: 'D01.S01.C01', name: '多福巷社区', parent_id: s1.id });
  const build = await post('/api/v1/categories', { code: '01', name: '城乡建设' });
  const property = await post('/api/v1/categories', { code: '01.01', name: '物业管理', parent_id: build.id });
  const env = await post('/api/v1/categories', { code: '02', name: '环境保护' });
  const noise = await post('/api/v1/categories', { code: '02.01', name: '噪音污染', parent_id: env.id });
  const contacts = (n) => ({
    leader: { name: `王${n}`, phone: '010-61234567', email: `leader${n}@example.org` },
    section: { name: `李${n}`, phone: '13800000001' },
    operator: { name: `张${n}`, phone: '13900000002' },
  });
  const street1 = await post('/api/v1/units', { code: 'S01', name: '东华门街道办事处', kind: 'street', region_id: s1.id, contacts: contacts(1) });
  const street2 = await post('/api/v1/units', { code: 'S02', name: '景山街道办事处', kind: 'street', region_id: s2.id, contacts: contacts(2) });
  const dept1 = await post('/api/v1/units', { code: 'ZJW', name: '区住建委', kind: 'department', contacts: contacts(3) });
  const dept2 = await post('/api/v1/units', { code: 'STJ', name: '区生态环境局', kind: 'department' });
  const water = await post('/api/v1/units', { code: 'WATER', name: '自来水公司', kind: 'enterprise' });
  await post('/api/v1/catalogue', { category_id: build.id, unit_id: dept1.id, basis: '区住建委职责' });
  await post('/api/v1/catalogue', { category_id: noise.id, unit_id: dept2.id, basis: '噪声污染防治' });
  await post('/api/v1/catalogue', { category_id: property.id, region_id: s1.id, unit_id: street1.id, basis: '属地物业管理' });

  const users = {};
  const makeUser = async (loginName, name, role, unitId) => {
    const body = { login: loginName, name, role, password: PASSWORD };
    if (unitId) body.unit_id = unitId;
    users[loginName] = await post('/api/v1/users', body);
  };
  const jobs = [
    makeUser('agent1', '赵坐席', 'agent'), makeUser('dispatcher1', '钱分拨', 'dispatcher'),
    makeUser('reviewer1', '孙审核', 'reviewer'), makeUser('callback1', '李回访', 'callback'),
    makeUser('supervisor1', '周督办', 'supervisor'), makeUser('auditor1', '吴审计', 'auditor'),
    makeUser('leader1', '郑领导', 'leader'),
    makeUser('op-s1', '冯操作', 'unit_operator', street1.id), makeUser('lead-s1', '陈主任', 'unit_leader', street1.id),
    makeUser('op-s2', '褚操作', 'unit_operator', street2.id), makeUser('lead-s2', '卫主任', 'unit_leader', street2.id),
    makeUser('op-zjw', '蒋操作', 'unit_operator', dept1.id), makeUser('lead-zjw', '沈主任', 'unit_leader', dept1.id),
  ];
  await Promise.all(jobs);
  const tokens = { admin };
  await Promise.all(Object.keys(users).map(async (l) => { tokens[l] = await login(server, l); }));
  return {
    admin, tokens, users,
    regions: { district, s1, s2, c1 },
    categories: { build, property, env, noise },
    units: { street1, street2, dept1, dept2, water },
    as: (loginName) => tokens[loginName],
  };
}

/** A tracked order: remembers its id and version from every answer. */
export class Order {
  constructor(server, summary) { this.server = server; this.set(summary); }
  set(summary) { this.id = summary.id; this.number = summary.number; this.version = summary.version; this.status = summary.status; this.summary = summary; }
  /** Runs an action; on success updates the version. Returns the raw response. */
  async act(token, action, fields = {}, { headers } = {}) {
    const r = await call(this.server, 'POST', `/api/v1/orders/${this.id}/actions/${action}`,
      { token, body: { version: this.version, ...fields }, headers });
    if (r.status === 200) this.set(r.json.order);
    return r;
  }
  /** Runs an action that must succeed. */
  async must(token, action, fields = {}) {
    const r = await this.act(token, action, fields);
    assert.equal(r.status, 200, `${action} on ${this.number} (${this.status}): ${r.text}`);
    return r.json;
  }
}

export const COMPLAINT = {
  channel: 'hotline-12345', type: 'complaint', title: '小区夜间施工噪音扰民',
  text: '多福巷12号旁工地每晚11点后仍在施工，噪音很大，影响休息。', citizen_name: '张三丰',
  citizen_phone: '13812341111', address: '多福巷12号',
};

/** Takes in an order as agent1 (fields override the default complaint). */
export async function intake(server, org, fields = {}) {
  const r = await call(server, 'POST', '/api/v1/orders', { token: org.as('agent1'), body: { ...COMPLAINT, ...fields } });
  assert.equal(r.status, 201, r.text);
  return new Order(server, r.json.order);
}

/** An order dispatched to unit (default street1) and, if sign, signed by its operator. */
export async function dispatched(server, org, { unit = 'street1', sign = false, fields = {} } = {}) {
  const o = await intake(server, org, { category_id: org.categories.property.id, region_id: org.regions.c1.id, ...fields });
  await o.must(org.as('agent1'), 'file');
  await o.must(org.as('dispatcher1'), 'dispatch', { unit_id: org.units[unit].id });
  if (sign) {
    const op = { street1: 'op-s1', street2: 'op-s2', dept1: 'op-zjw' }[unit];
    await o.must(org.as(op), 'sign');
  }
  return o;
}
