// The citizen's query page: sends the order number and the query code to the public query of the
// API and shows the status, the times (already written the Chinese way by the server), the unit
// and the official's public answer; takes what the citizen adds (text, photos from the camera)
// while the order is handled and,
// once it is answered, the citizen's satisfaction rating. No login, nothing kept in the browser.

const $ = (id) => document.getElementById(id);
let asked = null; // {number, code} of the order shown, for the rating

async function post(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { ok: res.ok, body: await res.json().catch(() => null) };
}

function render(body) {
  show('r-number', body.number);
  show('r-status', body.status_label);
  show('r-created', body.created_cn);
  show('r-deadline', body.deadline_cn, '尚未确定');
  show('r-unit', body.unit, '尚未交办');
  show('r-answer', body.answered ? body.answer : '', '暂无答复，办理完成后将在此公开答复内容。');
  $('r-rated').hidden = !body.satisfaction;
  if (body.satisfaction) $('r-rated').textContent = `您的评价：${body.satisfaction}`;
  $('rate').hidden = !body.can_rate;
  $('add').hidden = !body.can_supplement;
  $('result').hidden = false;
}

function show(id, text, fallback) {
  $(id).textContent = text || fallback;
}

async function submit(ev) {
  ev.preventDefault();
  const number = $('number').value.trim();
  const code = $('code').value.trim();
  $('error').hidden = true;
  $('result').hidden = true;
  if (!number || !code) {
    $('error').textContent = '请填写工单编号和查询码';
    $('error').hidden = false;
    return;
  }
  $('go').disabled = true;
  try {
    const r = await post('/api/v1/public/query', { number, code });
    if (!r.ok) {
      $('error').textContent = r.body?.error?.message || '查询失败，请稍后再试';
      $('error').hidden = false;
      return;
    }
    asked = { number, code };
    render(r.body);
  } catch {
    $('error').textContent = '网络连接失败，请稍后再试';
    $('error').hidden = false;
  } finally {
    $('go').disabled = false;
  }
}

async function rate(ev) {
  ev.preventDefault();
  const solved = document.querySelector('input[name=solved]:checked')?.value;
  const satisfaction = document.querySelector('input[name=satisfaction]:checked')?.value;
  $('rate-error').hidden = true;
  if (!asked || !solved || !satisfaction) {
    $('rate-error').textContent = '请选择是否解决和满意程度';
    $('rate-error').hidden = false;
    return;
  }
  $('rate-go').disabled = true;
  try {
    const r = await post('/api/v1/public/rate', { ...asked, solved: solved === 'true', satisfaction });
    if (!r.ok) {
      $('rate-error').textContent = r.body?.error?.message || '提交失败，请稍后再试';
      $('rate-error').hidden = false;
      return;
    }
    render(r.body);
  } catch {
    $('rate-error').textContent = '网络连接失败，请稍后再试';
    $('rate-error').hidden = false;
  } finally {
    $('rate-go').disabled = false;
  }
}

/** Sends one photo as the raw body, the number and the code in headers. */
async function sendPhoto(file) {
  const res = await fetch('/api/v1/public/photo', {
    method: 'POST',
    headers: { 'content-type': file.type, 'x-order-number': asked.number, 'x-query-code': asked.code },
    body: file,
  });
  return { ok: res.ok, body: await res.json().catch(() => null) };
}

async function add(ev) {
  ev.preventDefault();
  const text = $('add-text').value.trim();
  const photos = [...$('add-photos').files];
  $('add-error').hidden = true;
  $('add-done').hidden = true;
  const fail = (msg) => {
    $('add-error').textContent = msg;
    $('add-error').hidden = false;
  };
  if (!asked || (!text && !photos.length)) {
    fail('请填写要补充的情况或选择照片');
    return;
  }
  $('add-go').disabled = true;
  try {
    if (text) {
      const r = await post('/api/v1/public/supplement', { ...asked, text });
      if (!r.ok) return fail(r.body?.error?.message || '提交失败，请稍后再试');
      render(r.body);
      $('add-text').value = '';
    }
    for (const [i, file] of photos.entries()) {
      const r = await sendPhoto(file);
      if (!r.ok) return fail(`第 ${i + 1} 张照片未能上传：${r.body?.error?.message || '请稍后再试'}`);
      render(r.body);
    }
    $('add-photos').value = '';
    $('add-done').hidden = false;
  } catch {
    fail('网络连接失败，请稍后再试');
  } finally {
    $('add-go').disabled = false;
  }
}

$('form').addEventListener('submit', submit);
$('add').addEventListener('submit', add);
$('rate').addEventListener('submit', rate);
const params = new URLSearchParams(location.search);
if (params.get('n')) $('number').value = params.get('n');

// The public list of handled orders, when the platform publishes it (the policy's public_list);
// when it does not (published: false), the section stays hidden.
let publicCursor = null;
async function loadPublic() {
  const q = publicCursor ? `?limit=10&cursor=${encodeURIComponent(publicCursor)}` : '?limit=10';
  const res = await fetch('/api/v1/public/orders' + q).catch(() => null);
  if (!res || !res.ok) return;
  const body = await res.json();
  if (!body.published) return;
  for (const it of body.items) {
    const li = document.createElement('li');
    const head = document.createElement('p');
    head.className = 'public-head';
    head.textContent = [it.type, it.category, it.region, it.closed_cn ? `办结于 ${it.closed_cn}` : it.status].filter(Boolean).join(' · ');
    const answer = document.createElement('p');
    answer.textContent = it.answer || '（无公开答复）';
    li.append(head, answer);
    $('public-list').append(li);
  }
  publicCursor = body.next_cursor;
  $('public-more').hidden = !publicCursor;
  $('public').hidden = $('public-list').children.length === 0;
}
$('public-more').addEventListener('click', loadPublic);
loadPublic();
