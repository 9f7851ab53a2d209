// The working-day calendar by year (系统管理 · 工作日历): the twelve months of a year with its
// holidays and swapped working days; clicks change a draft that is saved (or dropped) as a
// whole; the State Council's yearly notice is imported as a file or pasted text, read by the
// server and shown in the draft before saving; a year without data is flagged, since every limit
// counted in working days (退单、反馈) then counts Monday to Friday only.
import * as api from '../api.js';
import { h, mount, modal, toast, confirmBox, chip, errorText } from '../ui.js';
import { go, refresh } from '../app.js';

const pad = (n) => String(n).padStart(2, '0');
const DOW = ['一', '二', '三', '四', '五', '六', '日'];

/** Draws the calendar admin of the year in the query (default: this year) into body. */
export async function calendar(body, params) {
  const now = new Date(Date.now() + 8 * 3600e3);
  const thisYear = now.getUTCFullYear();
  const asked = Number(params?.query?.get('year'));
  const year = Number.isInteger(asked) && asked >= 2000 && asked <= 2099 ? asked : thisYear;
  const saved = await api.get(`/calendar/${year}`);
  // the draft: date → {kind: 'holiday'|'workday', name}
  const draft = new Map();
  for (const x of saved.holidays || []) draft.set(x.date, { kind: 'holiday', name: x.name || '' });
  for (const x of saved.workdays || []) draft.set(x.date, { kind: 'workday', name: x.name || '' });
  let source = saved.source || '';
  let changed = 0;
  let other = [];

  const weekend = (key) => { const d = new Date(key + 'T00:00:00Z'); return d.getUTCDay() % 6 === 0; };
  const isWork = (key) => {
    const x = draft.get(key);
    if (x) return x.kind === 'workday';
    return !weekend(key);
  };
  const toggle = (key) => {
    const x = draft.get(key);
    if (x) draft.delete(key);
    else draft.set(key, weekend(key) ? { kind: 'workday', name: '调休上班' } : { kind: 'holiday', name: '' });
    changed++;
    draw();
  };
  const month = (mo) => {
    const first = (new Date(Date.UTC(year, mo, 1)).getUTCDay() + 6) % 7;
    const days = new Date(Date.UTC(year, mo + 1, 0)).getUTCDate();
    const cells = [];
    for (let i = 0; i < first; i++) cells.push(h('span.day.blank'));
    for (let d = 1; d <= days; d++) {
      const key = `${year}-${pad(mo + 1)}-${pad(d)}`;
      const x = draft.get(key);
      const work = isWork(key);
      const title = `${year}年${mo + 1}月${d}日 ${work ? '工作日' : '休息日'}${x?.name ? ' · ' + x.name : ''}`;
      cells.push(h('button.day' + (work ? '.work' : '.rest') + (x ? '.special' : ''), { type: 'button', title, dataset: { date: key }, onclick: () => toggle(key) }, String(d)));
    }
    return h('div.month', h('h3', `${mo + 1}月`), h('div.week', DOW.map((x) => h('span.dow', x))), h('div.days', cells));
  };

  const save = async () => {
    const list = (kind) => [...draft.entries()].filter(([, x]) => x.kind === kind).sort(([a], [b]) => (a < b ? -1 : 1)).map(([date, x]) => ({ date, name: x.name }));
    try {
      await api.put(`/calendar/${year}`, { year, source: source || `${year}年节假日（管理员设置）`, holidays: list('holiday'), workdays: list('workday') });
      toast(`已保存${year}年的工作日历`);
      refresh();
    } catch (err) {
      toast(errorText(err), 'error');
    }
  };
  const importNotice = async () => {
    const file = h('input', { type: 'file', accept: '.txt,text/plain', id: 'notice-file' });
    const text = h('textarea', { id: 'notice-text', rows: 12, placeholder: `粘贴《国务院办公厅关于${year}年部分节假日安排的通知》全文，或选择通知的文本文件` });
    const err = h('div.err', { role: 'alert' });
    file.addEventListener('change', async () => { if (file.files[0]) text.value = await file.files[0].text(); });
    const got = await modal(`导入${year}年节假日安排通知`, (close) => h('form.form', {
      onsubmit: async (e) => {
        e.preventDefault();
        err.textContent = '';
        try {
          close(await api.post(`/calendar/${year}/notice`, { text: text.value }));
        } catch (x) {
          err.textContent = errorText(x);
        }
      },
    }, h('div.field.wide', h('label', { htmlFor: 'notice-file' }, '通知文件'), file),
    h('div.field.wide', h('label', { htmlFor: 'notice-text' }, '通知全文'), text), err,
    h('div.form-actions', h('button.primary', { type: 'submit' }, '读取通知'), h('button', { type: 'button', onclick: () => close(null) }, '取消'))), { wide: true });
    if (!got) return;
    draft.clear();
    for (const x of got.holidays || []) draft.set(x.date, { kind: 'holiday', name: x.name || '' });
    for (const x of got.workdays || []) draft.set(x.date, { kind: 'workday', name: x.name || '' });
    source = got.source || source;
    other = got.other_years || [];
    changed++;
    toast(`已读出节假日 ${(got.holidays || []).length} 天、调休上班 ${(got.workdays || []).length} 天，核对后请保存`);
    draw();
  };
  const reset = async () => {
    if (!(await confirmBox('恢复随附日历', `放弃管理员对${year}年所做的修改，恢复程序随附的日历（如有）？`, '恢复'))) return;
    await api.del(`/calendar/${year}`);
    toast('已恢复');
    refresh();
  };

  const draw = () => {
    const holidays = [...draft.values()].filter((x) => x.kind === 'holiday').length;
    const workdays = [...draft.values()].filter((x) => x.kind === 'workday').length;
    mount(body,
      h('div.toolbar.calendar-bar',
        h('button', { type: 'button', id: 'cal-prev', onclick: () => go(`admin/calendar?year=${year - 1}`), title: '上一年' }, '‹'),
        h('b.cal-year', { id: 'cal-year' }, `${year}年`),
        h('button', { type: 'button', id: 'cal-next', onclick: () => go(`admin/calendar?year=${year + 1}`), title: '下一年' }, '›'),
        h('span.muted', `节假日 ${holidays} 天 · 调休上班 ${workdays} 天`),
        saved.edited ? chip('管理员修改', 'warn') : saved.has_data ? chip('随附日历', 'muted') : null,
        h('button', { type: 'button', id: 'cal-import', onclick: importNotice }, '导入国务院通知'),
        changed ? h('button.primary', { type: 'button', id: 'cal-save', onclick: save }, `保存${year}年`) : null,
        changed ? h('button', { type: 'button', id: 'cal-discard', onclick: () => refresh() }, '放弃修改') : null,
        saved.edited && !changed ? h('button', { type: 'button', id: 'cal-reset', onclick: reset }, '恢复随附日历') : null),
      !holidays && !workdays ? h('div.warn-box', { id: 'calendar-warning', role: 'alert' },
        `${year}年还没有节假日安排：现按周一至周五计算工作日，退单、反馈等按工作日计算的时限在节假日前后会算错。请导入国务院办公厅的年度节假日安排通知（通常于前一年11月发布）。`) : null,
      changed ? h('p.hint', { id: 'calendar-unsaved' }, `有未保存的修改${source ? `（依据：${source}）` : ''}：核对无误后点“保存${year}年”。`) : h('p.hint', '点击日期切换工作日/休息日，改完后一并保存。依据：', source || '—'),
      other.length ? h('p.hint', { id: 'calendar-other' }, `通知中不属于${year}年的日期未导入：${other.join('、')}（请在该年份导入）。`) : null,
      h('div.calendar.year', [...Array(12).keys()].map(month)),
      h('p.muted.small', h('span.day.work.legend', ' '), ' 工作日  ', h('span.day.rest.legend', ' '), ' 休息日  ', h('span.day.special.legend', ' '), ' 节假日或调休'));
  };
  draw();
}
