// A jiesu server for the HTTP benchmarks (bench/list_rss.mjs, bench/stats_http.mjs,
// bench/stats_fold.mjs): starts `jiesu serve` on a database (a file or a postgres:// URL) with
// users of its own, logs them in, and hands back fetches with their sessions, the server's pid
// and a stop. The access log is drained (a full pipe would stop the server).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const BIN = process.env.JIESU_BIN || 'build/jiesu';

// name: the benchmark's name (the logins, the temporary folder's prefix); roles: a user of each
// is added and logged in (the first is the default of get and post).
export async function serve(db, name, roles = ['supervisor']) {
  const dir = mkdtempSync(path.join(tmpdir(), `jiesu-${name}-`));
  const web = path.join(dir, 'web');
  mkdirSync(web);
  writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>jiesu</title>\n');
  const password = `${name}-pass-2026`;
  const login = (role) => `${name}${process.pid}${role === 'supervisor' ? '' : role}`;
  for (const role of roles)
    execFileSync(BIN, ['useradd', '--db', db, '--login', login(role), '--name', '性能测量', '--role',
      role, '--password', password], { stdio: 'pipe' });
  const started = Date.now();
  const child = spawn(BIN, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--web', web,
    '--threads', '4', '--tick-seconds', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let errLog = ''; // the last 64 KB of the server's stderr (the access log, the trainer's lines)
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { errLog = (errLog + d).slice(-65536); });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out = (out + d).slice(-4096);
      const m = out.match(/jiesu: 服务地址 (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  const tokens = {};
  for (const role of roles) {
    const r = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: login(role), password }) });
    tokens[role] = (await r.json()).token;
  }
  // GET (or POST with a JSON body) /api/v1/<q> as role: the answer's JSON, its size and the
  // round trip in ms; throws unless the status is 200 or 201
  const call = async (q, role, body) => {
    const t0 = process.hrtime.bigint();
    const headers = { authorization: `Bearer ${tokens[role || roles[0]]}` };
    if (body) headers['content-type'] = 'application/json';
    const res = await fetch(`${url}/api/v1/${q}`, body ? { method: 'POST', headers, body: JSON.stringify(body) } : { headers });
    const text = await res.text();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (res.status !== 200 && res.status !== 201) throw new Error(`${q}: ${res.status} ${text.slice(0, 200)}`);
    return { json: JSON.parse(text), ms, bytes: text.length };
  };
  const get = (q, role) => call(q, role);
  const post = (q, body, role) => call(q, role, body);
  // SIGTERM, then waits for the exit; resolves to the milliseconds the server took to exit
  const stop = async () => {
    const t0 = Date.now();
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    const ms = Date.now() - t0;
    rmSync(dir, { recursive: true, force: true });
    return ms;
  };
  return { get, post, stop, pid: child.pid, started, stderr: () => errLog };
}
