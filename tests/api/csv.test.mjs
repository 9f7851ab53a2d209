// CSV exports are defused against formula injection (issue 10): a unit named like a spreadsheet
// formula comes out of the assessment CSV with a leading apostrophe, quoted as RFC 4180 wants,
// and the numbers (which may be negative) stay plain.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, ok, setupOrg, startServer } from './server.mjs';

let server;
let org;

before(async () => {
  server = await startServer();
  org = await setupOrg(server);
});
after(async () => { await server.stop(); });

test('a formula-like unit name is exported as text', async () => {
  const evil = '=HYPERLINK("http://evil.example","点我")';
  ok(await call(server, 'POST', '/api/v1/units', { token: org.admin, body: { code: 'EVIL1', name: evil, kind: 'street' } }), 201);
  ok(await call(server, 'POST', '/api/v1/units', { token: org.admin, body: { code: 'EVIL2', name: '@SUM(1+1)*cmd', kind: 'street' } }), 201);
  const now = new Date(Date.now() + 8 * 3600 * 1000);
  const period = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  const r = await call(server, 'GET', `/api/v1/assess?scheme=dongcheng-2016&period=${period}&format=csv`, { token: org.admin });
  assert.equal(r.status, 200, r.text.slice(0, 300));
  const text = r.text.replace(/^\uFEFF/, '');
  assert.ok(text.includes(`"'=HYPERLINK(""http://evil.example"",""点我"")"`), text.slice(0, 2000));
  assert.ok(text.includes(",'@SUM(1+1)*cmd,"), text.slice(0, 2000));
  // no cell of the export starts with a formula character unless it is a number
  for (const line of text.trim().split(/\r\n/)) {
    for (const cell of line.match(/("([^"]|"")*"|[^,]*)(,|$)/g).map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''))) {
      if (/^[=+\-@\t\r]/.test(cell)) assert.match(cell, /^-\d+(\.\d+)?$/, `a live formula cell: ${cell}`);
    }
  }
});
