// Attachments: a unit uploads a photo as the raw body, puts its URL in a reply, and the platform
// fetches the same bytes back; bad uploads are refused and store nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertError, call, dispatched, ok, setupOrg, startServer } from './server.mjs';

let server;
let org;
before(async () => {
  server = await startServer();
  org = await setupOrg(server);
});
after(async () => { await server.stop(); });

const PHOTO = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 3, 255, 254]);

test('an uploaded photo goes into a reply and comes back byte for byte', async () => {
  const o = await dispatched(server, org, { unit: 'street1', sign: true });
  const up = await call(server, 'POST', '/api/v1/files', {
    token: org.as('op-s1'), raw: PHOTO,
    headers: { 'content-type': 'image/png', 'x-file-name': encodeURIComponent('现场照片.png') },
  });
  const f = ok(up, 201);
  assert.match(f.id, /^[0-9a-f]{32}$/);
  assert.equal(f.url, `/api/v1/files/${f.id}`);
  assert.equal(f.name, '现场照片.png');
  assert.equal(f.size, PHOTO.length);
  await o.must(org.as('op-s1'), 'reply', {
    result: '已整改', closure: 'resolved', responsible: '王科长',
    attachments: [{ name: f.name, url: f.url, kind: 'photo' }],
  });
  const detail = ok(await call(server, 'GET', `/api/v1/orders/${o.id}`, { token: org.as('dispatcher1') }));
  const atts = Array.isArray(detail.attachments) ? detail.attachments : JSON.parse(detail.attachments);
  assert.ok(atts.some((a) => a.url === f.url), JSON.stringify(atts));
  const res = await fetch(`${server.url}${f.url}`, { headers: { authorization: `Bearer ${org.as('dispatcher1')}` } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), PHOTO);
});

test('a non-image upload is served as a download, never as a page', async () => {
  const f = ok(await call(server, 'POST', '/api/v1/files', {
    token: org.as('agent1'), raw: '<script>alert(1)</script>',
    headers: { 'content-type': 'text/html', 'x-file-name': 'x.html' },
  }), 201);
  const res = await fetch(`${server.url}${f.url}`, { headers: { authorization: `Bearer ${org.as('agent1')}` } });
  assert.match(res.headers.get('content-disposition'), /^attachment/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
});

test('bad uploads are refused', async () => {
  assertError(await call(server, 'POST', '/api/v1/files', { raw: PHOTO, headers: { 'x-file-name': 'a.png' } }), 401, 'unauthorized');
  assertError(await call(server, 'POST', '/api/v1/files', { token: org.as('op-s1'), raw: PHOTO, headers: { 'content-type': 'image/png' } }), 422, 'invalid', 'X-File-Name');
  assertError(await call(server, 'POST', '/api/v1/files', { token: org.as('op-s1'), raw: PHOTO, headers: { 'content-type': 'image/png', 'x-file-name': '..%2Fetc%2Fpasswd' } }), 422, 'invalid', 'X-File-Name');
  assertError(await call(server, 'POST', '/api/v1/files', { token: org.as('auditor1'), raw: PHOTO, headers: { 'content-type': 'image/png', 'x-file-name': 'a.png' } }), 403, 'forbidden');
  assertError(await call(server, 'GET', '/api/v1/files/0123456789abcdef0123456789abcdef', { token: org.as('agent1') }), 404, 'not_found');
  assertError(await call(server, 'GET', '/api/v1/files/..', { token: org.as('agent1') }), 404, 'not_found');
});
