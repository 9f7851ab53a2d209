// The messages people read are Chinese (issue 16 point 2): every English format string the
// server passes to js_fail(), http_error(), bad_param(), unauthorized() or lex_fail() in src/
// (the CLI aside) has its Chinese row in src/util/msg_zh.c, which js_fail() and http_error()
// write instead; the error table's messages (src/util/err.h) are Chinese; and refusals answered
// by a running server — the login, the time windows, the policy's limits, the roles, the
// versions — carry Chinese messages with no English word but the field they name. The command
// line's own refusals (src/cli, which writes its messages in Chinese directly) are Chinese too.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import {
  assertError, BIN, call, dispatched, englishWords, intake, login, setupOrg, startServer,
} from './server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CJK = /[\u4e00-\u9fff]/;

/** Every .c file under dir. */
function cFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...cFiles(p));
    else if (name.endsWith('.c')) out.push(p);
  }
  return out;
}

/** The arguments (source text) of the call whose '(' is at src[i - 1]. */
function callArgs(src, i) {
  const args = [];
  let cur = '';
  let depth = 0;
  for (let j = i; j < src.length; j++) {
    const c = src[j];
    if (c === '"' || c === "'") {
      let k = j + 1;
      while (src[k] !== c) k += src[k] === '\\' ? 2 : 1;
      cur += src.slice(j, k + 1);
      j = k;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    if (')]}'.includes(c)) {
      if (depth === 0) { args.push(cur.trim()); return args; }
      depth--;
    }
    if (c === ',' && depth === 0) { args.push(cur.trim()); cur = ''; continue; }
    cur += c;
  }
  return args;
}

/** A C string literal sequence ("a" "b", with PRId64-style macros between) as its text. */
function literal(arg) {
  if (!arg.startsWith('"')) return null;
  let out = '';
  for (const m of arg.matchAll(/"((?:[^"\\]|\\.)*)"|(\bPRI[a-z0-9]+\b)/g)) {
    if (m[2]) out += `%${m[2].slice(3).replace('d64', 'lld')}`;
    else out += JSON.parse(`"${m[1].replace(/\\'/g, "'")}"`);
  }
  return out;
}

// function name → index of its message argument
const CALLS = { js_fail: 3, http_error: 3, bad_param: 2, unauthorized: 1, lex_fail: 2 };

/** [{text, where}] of the message literals in src/ (not src/cli). */
function messageLiterals() {
  const out = [];
  for (const file of cFiles(path.join(ROOT, 'src'))) {
    if (file.includes(`${path.sep}cli${path.sep}`)) continue;
    const src = readFileSync(file, 'utf8');
    const re = new RegExp(`\\b(${Object.keys(CALLS).join('|')})\\(`, 'g');
    for (const m of src.matchAll(re)) {
      const before = src.slice(Math.max(0, m.index - 40), m.index);
      if (/(int|void|static)\s+$/.test(before)) continue; // a definition, not a call
      const args = callArgs(src, m.index + m[0].length);
      const arg = args[CALLS[m[1]]] || '';
      const where = `${path.relative(ROOT, file)}:${src.slice(0, m.index).split('\n').length}`;
      const text = literal(arg);
      if (text !== null) { out.push({ text, where }); continue; }
      // cond ? "one message" : "another"
      if (/\?\s*"/.test(arg)) for (const part of arg.split(/[?:](?=\s*")/).slice(1)) {
        const t = literal(part.trim());
        if (t !== null) out.push({ text: t, where });
      }
    }
  }
  return out;
}

/** The English column of src/util/msg_zh.c. */
function catalogue() {
  const src = readFileSync(path.join(ROOT, 'src/util/msg_zh.c'), 'utf8');
  const body = src.slice(src.indexOf('pairs[] = {'), src.indexOf('};'));
  const rows = new Set();
  for (const m of body.matchAll(/\{\s*((?:"(?:[^"\\]|\\.)*"\s*(?:PRI[a-z0-9]+\s*)?)+),\s*"/g)) rows.add(literal(m[1].trim()));
  return rows;
}

test('every English message literal in src/ has its Chinese row', () => {
  const rows = catalogue();
  assert.ok(rows.size > 300, `${rows.size} rows`);
  const found = messageLiterals();
  assert.ok(found.length > 500, `${found.length} message literals found`);
  const missing = found.filter((m) => !CJK.test(m.text) && /[A-Za-z]{3,}/.test(m.text.replace(/%[-+ #0-9.*]*[hlzjt]*[a-zA-Z]/g, '')) && !rows.has(m.text));
  assert.deepEqual(missing.map((m) => `${m.where}: ${m.text}`), [], 'format strings with no Chinese row in src/util/msg_zh.c');
});

test('the error table is Chinese', () => {
  const src = readFileSync(path.join(ROOT, 'src/util/err.h'), 'utf8');
  const rows = [...src.matchAll(/X\((\w+), "(\w+)", (\d+), "([^"]*)"\)/g)];
  assert.ok(rows.length >= 25, `${rows.length} codes`);
  for (const [, , name, , msg] of rows) {
    assert.match(msg, CJK, `${name}: ${msg}`);
    assert.deepEqual(englishWords(msg), [], `${name}: ${msg}`);
  }
});

let server;
let org;
before(async () => {
  server = await startServer();
  org = await setupOrg(server);
});
after(async () => { await server?.stop(); });

test('refusals of a running server are Chinese', async () => {
  // the login
  let r = await call(server, 'POST', '/api/v1/auth/login', { body: { login: 'agent1', password: 'wrong-password-1' } });
  let e = assertError(r, 401, 'unauthorized');
  assert.match(e.message, /登录名或密码错误/);
  // no session, a bad token
  assertError(await call(server, 'GET', '/api/v1/orders'), 401, 'unauthorized');
  assertError(await call(server, 'GET', '/api/v1/orders', { token: 'x'.repeat(43) }), 401, 'unauthorized');
  // a role the matrix refuses, an action in the wrong state, a stale version
  const o = await intake(server, org);
  r = await call(server, 'POST', `/api/v1/orders/${o.id}/actions/sign`, { token: org.as('agent1'), body: { version: o.version } });
  e = assertError(r, 403, 'forbidden');
  r = await call(server, 'POST', `/api/v1/orders/${o.id}/actions/reply`, { token: org.as('dispatcher1'), body: { version: o.version, text: '已处理' } });
  assertError(r);
  r = await call(server, 'POST', `/api/v1/orders/${o.id}/actions/file`, { token: org.as('agent1'), body: { version: o.version + 5 } });
  e = assertError(r, 409, 'version_conflict');
  // an extension beyond the policy's limit, with the field it names
  const d = await dispatched(server, org, { unit: 'street1', sign: true });
  r = await call(server, 'POST', `/api/v1/orders/${d.id}/actions/extend`, {
    token: org.as('op-s1'), body: { version: d.version, until: '2099-12-31T00:00:00+08:00', reason: '需要协调多个部门' },
  });
  e = assertError(r);
  assert.ok(r.status >= 400 && r.status < 500, r.text);
  // unknown query parameters, bad cursors and sorts of the order list
  for (const q of ['colour=red', 'limit=0', 'status=nope', 'from=yesterday', 'overdue=maybe']) {
    assertError(await call(server, 'GET', `/api/v1/orders?${q}`, { token: org.admin }), undefined, undefined, undefined, [q]);
  }
  // a missing object, a bad id, a bad JSON body
  assertError(await call(server, 'GET', '/api/v1/orders/999999', { token: org.admin }), 404, 'not_found');
  assertError(await call(server, 'GET', '/api/v1/units/abc', { token: org.admin }), 404);
  assertError(await call(server, 'POST', '/api/v1/orders', { token: org.as('agent1'), raw: '{"title": ' }), 400, 'bad_json');
  assertError(await call(server, 'DELETE', '/api/v1/policy', { token: org.admin }), 405, 'method_not_allowed', undefined, ['DELETE']);
});

test('refusals of the command line are Chinese', () => {
  // [arguments, the command named in the prefix, exit status]
  const cases = [
    [['useradd', '--db', server.db, '--login', 'cli1', '--name', '坐席', '--role', 'boss', '--password', 'pass-2026-cli'], 'useradd', 2],
    [['sign', '--db', server.db, '--order', '1'], 'sign', 2],
    [['sign', '--db', server.db, '--as', 'nobody', '--order', '1'], 'sign', 1],
    [['show', '--db', server.db, '--order', '999999999'], 'show', 1],
    [['list', '--db', server.db, '--status', 'lost'], 'list', 2],
    [['frobnicate'], null, 2],
  ];
  for (const [args, cmd, status] of cases) {
    const r = spawnSync(BIN, args, { encoding: 'utf8' });
    const line = r.stderr.split('\n')[0];
    assert.equal(r.status, status, `jiesu ${args.join(' ')}: ${r.stderr}`);
    const prefix = cmd ? `jiesu ${cmd}: ` : 'jiesu: ';
    assert.ok(line.startsWith(prefix), line);
    const text = line.slice(prefix.length);
    assert.match(text, CJK, line);
    assert.deepEqual(englishWords(text, ['LOGIN']), [], line);
  }
});

test('the command line and the server log write times the Chinese way, never ISO', async () => {
  const o = await intake(server, org);
  const iso = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
  const cn = /\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}/;
  const list = spawnSync(BIN, ['list', '--db', server.db], { encoding: 'utf8' });
  assert.equal(list.status, 0, list.stderr);
  const line = list.stdout.split('\n').find((l) => l.startsWith(o.number));
  assert.ok(line, list.stdout);
  assert.match(line, cn);
  assert.doesNotMatch(list.stdout, iso);
  const show = spawnSync(BIN, ['show', '--db', server.db, '--order', o.number], { encoding: 'utf8' });
  assert.equal(show.status, 0, show.stderr);
  assert.doesNotMatch(show.stdout, iso);
  assert.match(show.stdout, /"created_at": "\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}:\d{2}"/);
  assert.match(show.stdout, /"closed_at": 0/); // none yet: not a date
  assert.match(show.stdout.split('办理记录')[1], cn);
  // the access log's line of this very request
  const log = server.log().split('\n').filter((l) => l.includes('/api/v1/orders'));
  assert.ok(log.length > 0, server.log().slice(-500));
  for (const l of log) {
    assert.match(l, /^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}:\d{2} /, l);
    assert.doesNotMatch(l, iso, l);
  }
});

test('a database address is shown without its password', () => {
  const url = 'postgres://jiesu:s3cret-pw@127.0.0.1:1/hotline';
  for (const args of [['tick', '--db', url], ['useradd', '--db', url, '--login', 'x1', '--name', '甲', '--role', 'agent', '--password', 'pass-2026-xyz'],
    ['serve', '--db', url, '--listen', '127.0.0.1:0']]) {
    const r = spawnSync(BIN, args, { encoding: 'utf8', timeout: 20000 });
    assert.notEqual(r.status, 0, `jiesu ${args[0]}: ${r.stderr}`);
    assert.ok(!r.stderr.includes('s3cret-pw') && !r.stdout.includes('s3cret-pw'), r.stderr);
    assert.ok(r.stderr.includes('jiesu:***@127.0.0.1:1/hotline'), r.stderr);
  }
});

test('a PostgreSQL that cannot be reached is explained in Chinese, not in libpq\'s English', () => {
  // [address, the cause a person reads]; none needs a server
  const cases = [
    ['postgres://jiesu:pw-2026@127.0.0.1:1/hotline', /服务器拒绝连接/],
    ['postgres://jiesu:pw-2026@no-such-host.invalid/hotline', /无法解析主机名/],
    ['postgres://jiesu:pw-2026@127.0.0.1:1/hotline?frobnicate=1', /不认识的参数/],
  ];
  for (const [url, cause] of cases) {
    const r = spawnSync(BIN, ['useradd', '--db', url, '--login', 'x1', '--name', '甲', '--role', 'agent', '--password', 'pass-2026-xyz'],
      { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 1, r.stderr);
    const line = r.stderr.split('\n')[0];
    assert.match(line, cause, line);
    const text = line.replace(/^jiesu useradd: /, '').replace(/postgres:\/\/\S+?：/, '');
    assert.deepEqual(englishWords(text), [], line);
  }
});
