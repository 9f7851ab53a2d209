// HTTP hardening and conventions (issue 10): security headers on every answer, no-store on the
// API, gzip for JSON and static files, year-long caching of versioned vendor files and ETag
// revalidation of the rest, X-Request-Id echoed and logged, process and build metrics.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, utimesSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { ADMIN, call, ok, startServer } from './server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let server;
let token;

before(async () => {
  server = await startServer();
  token = ok(await call(server, 'POST', '/api/v1/auth/login', { body: { login: ADMIN.login, password: ADMIN.password } })).token;
});
after(async () => { await server?.stop(); });

/** A raw request (no transparent decompression): status, headers, body bytes. */
function raw(method, urlPath, headers = {}, body) {
  const u = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: urlPath, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.setTimeout(10000, () => req.destroy(new Error('no answer in 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

const auth = () => ({ authorization: `Bearer ${token}` });

function assertSecurityHeaders(r, what) {
  const csp = r.headers['content-security-policy'];
  assert.ok(csp, `${what}: Content-Security-Policy`);
  assert.match(csp, /default-src 'self'/, what);
  assert.match(csp, /script-src 'self'(;|$)/, `${what}: scripts from this origin only`);
  assert.match(csp, /frame-ancestors 'none'/, what);
  assert.match(csp, /object-src 'none'/, what);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/, what);
  assert.equal(r.headers['x-frame-options'], 'DENY', what);
  assert.equal(r.headers['referrer-policy'], 'no-referrer', what);
  assert.equal(r.headers['x-content-type-options'], 'nosniff', what);
}

test('security headers on every kind of answer', async () => {
  const cases = [
    ['GET', '/healthz', {}], ['GET', '/metrics', {}], ['GET', '/', {}], ['GET', '/missing.js', {}],
    ['GET', '/api/v1/me', auth()], ['GET', '/api/v1/me', {}], ['GET', '/api/v1/nothing', auth()],
    ['POST', '/api/v1/auth/login', { 'content-type': 'text/plain' }],
  ];
  for (const [method, p, h] of cases) assertSecurityHeaders(await raw(method, p, h, method === 'POST' ? 'x' : undefined), `${method} ${p}`);
});

test('Cache-Control: no-store on every API answer that can carry citizen data', async () => {
  const o = await call(server, 'POST', '/api/v1/orders', { token, body: {} }); // refused, but still an API answer
  assert.equal(o.headers.get('cache-control'), 'no-store');
  for (const [p, h] of [['/api/v1/me', auth()], ['/api/v1/orders', auth()], ['/api/v1/me', {}], ['/api/v1/nothing', auth()], ['/api/v1/users', auth()], ['/metrics', {}], ['/healthz', {}]]) {
    const r = await raw('GET', p, h);
    assert.equal(r.headers['cache-control'], 'no-store', `${p} (${r.status})`);
  }
  const login = await raw('POST', '/api/v1/auth/login', { 'content-type': 'application/json' }, JSON.stringify({ login: ADMIN.login, password: ADMIN.password }));
  assert.equal(login.status, 200);
  assert.equal(login.headers['cache-control'], 'no-store', 'the token answer');
});

test('gzip for JSON when the client accepts it, identity otherwise', async () => {
  const plain = await raw('GET', '/api/v1/openapi.json');
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.headers.vary, 'Accept-Encoding');
  const gz = await raw('GET', '/api/v1/openapi.json', { 'accept-encoding': 'br, gzip;q=0.8' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gz.headers.vary, 'Accept-Encoding');
  assert.equal(Number(gz.headers['content-length']), gz.body.length);
  assert.deepEqual(gunzipSync(gz.body), plain.body);
  console.log(`http: openapi.json ${plain.body.length} → ${gz.body.length} bytes gzip`);
  assert.ok(gz.body.length < plain.body.length / 3);
  // q=0 refuses; small answers are not compressed
  assert.equal((await raw('GET', '/api/v1/openapi.json', { 'accept-encoding': 'gzip;q=0, identity' })).headers['content-encoding'], undefined);
  assert.equal((await raw('GET', '/api/v1/openapi.json', { 'accept-encoding': '*' })).headers['content-encoding'], 'gzip');
  assert.equal((await raw('GET', '/healthz', { 'accept-encoding': 'gzip' })).headers['content-encoding'], undefined);
  // an authenticated list, and the metrics text
  const list = await raw('GET', '/api/v1/users', { ...auth(), 'accept-encoding': 'gzip' });
  assert.equal(list.status, 200);
  if (list.headers['content-encoding']) assert.ok(JSON.parse(gunzipSync(list.body)));
  const m = await raw('GET', '/metrics', { 'accept-encoding': 'gzip' });
  assert.equal(m.headers['content-encoding'], 'gzip');
  assert.match(gunzipSync(m.body).toString(), /jiesu_http_requests_total/);
});

test('static files: gzip kept in memory, ETag per form, no-cache; versioned vendor files immutable', async () => {
  const web = path.join(server.dir, 'web');
  mkdirSync(path.join(web, 'vendor'), { recursive: true });
  const js = `// app\n${'export const x = "接诉即办";\n'.repeat(400)}`;
  writeFileSync(path.join(web, 'app.js'), js);
  const plain = await raw('GET', '/app.js');
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['cache-control'], 'no-cache');
  assert.equal(plain.headers.vary, 'Accept-Encoding');
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.body.toString(), js);
  const gz = await raw('GET', '/app.js', { 'accept-encoding': 'gzip, deflate' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(gz.body).toString(), js);
  assert.notEqual(gz.headers.etag, plain.headers.etag, 'each form has its own tag');
  assert.match(gz.headers.etag, /-gz"$/);
  assertSecurityHeaders(gz, 'static');
  // revalidation: 304 for the tag of the form asked for
  assert.equal((await raw('GET', '/app.js', { 'accept-encoding': 'gzip', 'if-none-match': gz.headers.etag })).status, 304);
  assert.equal((await raw('GET', '/app.js', { 'if-none-match': plain.headers.etag })).status, 304);
  assert.equal((await raw('GET', '/app.js', { 'accept-encoding': 'gzip', 'if-none-match': plain.headers.etag })).status, 200);
  // a changed file is compressed anew (the cache is keyed by size and mtime)
  const js2 = js.replace('// app', '// app v2');
  writeFileSync(path.join(web, 'app.js'), js2);
  utimesSync(path.join(web, 'app.js'), new Date(), new Date(Date.now() + 5000));
  const gz2 = await raw('GET', '/app.js', { 'accept-encoding': 'gzip', 'if-none-match': gz.headers.etag });
  assert.equal(gz2.status, 200);
  assert.equal(gunzipSync(gz2.body).toString(), js2);

  // vendor files: the name web/js/charts.js loads carries the version, and is cached for a year
  const charts = readFileSync(path.join(ROOT, 'web/js/charts.js'), 'utf8');
  const echarts = charts.match(/'\/vendor\/(echarts-[0-9.]+\.min\.js)'/);
  assert.ok(echarts, 'web/js/charts.js loads a versioned /vendor/echarts-X.Y.Z.min.js');
  writeFileSync(path.join(web, 'vendor', echarts[1]), 'var echarts = {};\n'.repeat(50));
  writeFileSync(path.join(web, 'vendor', 'lib.min.js'), 'var lib = {};\n');
  const v = await raw('GET', `/vendor/${echarts[1]}`, { 'accept-encoding': 'gzip' });
  assert.equal(v.status, 200);
  assert.equal(v.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(v.headers['content-encoding'], 'gzip');
  assert.equal((await raw('GET', '/vendor/lib.min.js')).headers['cache-control'], 'no-cache', 'an unversioned name is revalidated');
  assert.equal((await raw('GET', '/app.js')).headers['cache-control'], 'no-cache');
});

test('X-Request-Id: a sane one is echoed, otherwise one is made; both are in the log line', async () => {
  const mine = await raw('GET', '/api/v1/me', { ...auth(), 'x-request-id': 'call-centre.7:abc_DEF-1' });
  assert.equal(mine.headers['x-request-id'], 'call-centre.7:abc_DEF-1');
  const made = await raw('GET', '/healthz');
  assert.match(made.headers['x-request-id'], /^[0-9a-f]{16}$/);
  const other = await raw('GET', '/healthz');
  assert.notEqual(other.headers['x-request-id'], made.headers['x-request-id']);
  for (const bad of ['x'.repeat(65), 'a b', 'a"b', '<script>']) {
    const r = await raw('GET', '/healthz', { 'x-request-id': bad });
    assert.match(r.headers['x-request-id'], /^[0-9a-f]{16}$/, `refused: ${bad}`);
  }
  const err = await raw('GET', '/api/v1/nothing', { 'x-request-id': 'err-42' });
  assert.equal(err.headers['x-request-id'], 'err-42');
  const st = await raw('GET', '/', { 'x-request-id': 'static-1' });
  assert.equal(st.headers['x-request-id'], 'static-1');
  await new Promise((r) => setTimeout(r, 200));
  const log = server.log();
  assert.match(log, / GET \/api\/v1\/me 200 \d+ [0-9.]+ms user=\d+ rid=call-centre\.7:abc_DEF-1\n/);
  assert.match(log, new RegExp(` GET /healthz 200 \\d+ [0-9.]+ms user=- rid=${made.headers['x-request-id']}\\n`));
  assert.match(log, / GET \/api\/v1\/nothing 404 .* rid=err-42\n/);
});

test('/metrics: process and build families', async () => {
  const r = await raw('GET', '/metrics');
  const text = r.body.toString();
  const value = (name) => {
    const m = text.match(new RegExp(`^${name} ([0-9.e+]+)$`, 'm'));
    assert.ok(m, `${name} is exported`);
    assert.match(text, new RegExp(`^# TYPE ${name} (gauge|counter)$`, 'm'));
    return Number(m[1]);
  };
  const now = Date.now() / 1000;
  const start = value('process_start_time_seconds');
  assert.ok(start > now - 600 && start <= now + 1, `start ${start}, now ${now}`);
  assert.ok(value('process_resident_memory_bytes') > 1 << 20);
  const fds = value('process_open_fds');
  assert.ok(fds >= 4 && fds < 1000, `open fds ${fds}`);
  assert.ok(value('process_max_fds') >= fds);
  assert.ok(value('process_cpu_seconds_total') > 0);
  assert.ok(value('jiesu_http_connections') >= 1);
  value('jiesu_http_header_timeouts_total');
  const build = text.match(/^jiesu_build_info\{version="([^"]+)",commit="([^"]+)",compiler="([^"]+)"\} 1$/m);
  assert.ok(build, 'jiesu_build_info{version,commit,compiler} 1');
  assert.match(build[1], /^\d+\.\d+\.\d+/);
  assert.match(build[3], /^(gcc|clang) /);
  assert.match(text, /^# TYPE jiesu_build_info gauge$/m);
});
