// The citizen's query page: sends the order number and the query code to the public query of the
// API and shows the status, the times (already written the Chinese way by the server), the unit
// and the official's public answer. No login, nothing kept in the browser.

const $ = (id) => document.getElementById(id);

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
    const res = await fetch('/api/v1/public/query', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ number, code }),
    });
    const body = await res.json().catch(() => null);
    if (!res.ok) {
      $('error').textContent = body?.error?.message || '查询失败，请稍后再试';
      $('error').hidden = false;
      return;
    }
    show('r-number', body.number);
    show('r-status', body.status_label);
    show('r-created', body.created_cn);
    show('r-deadline', body.deadline_cn, '尚未确定');
    show('r-unit', body.unit, '尚未交办');
    show('r-answer', body.answered ? body.answer : '', '暂无答复，办理完成后将在此公开答复内容。');
    $('result').hidden = false;
  } catch {
    $('error').textContent = '网络连接失败，请稍后再试';
    $('error').hidden = false;
  } finally {
    $('go').disabled = false;
  }
}

$('form').addEventListener('submit', submit);
const params = new URLSearchParams(location.search);
if (params.get('n')) $('number').value = params.get('n');
