// The login screen: login name and password; the answer's token starts the session.
import * as api from '../api.js';
import { h, mount } from '../ui.js';
import { buildForm } from '../forms.js';
import { startSession } from '../app.js';

export async function render(view) {
  if (api.getToken()) api.setToken('');
  const form = buildForm([
    { name: 'login', label: '登录名', required: true, autocomplete: 'username' },
    { name: 'password', label: '密码', type: 'password', required: true },
  ], {
    submitLabel: '登录',
    onSubmit: async (v) => {
      const answer = await api.post('/auth/login', v, { noAuthRedirect: true, idempotent: false });
      await startSession(answer);
    },
  });
  form.id = 'login-form';
  mount(view, h('div.login-page',
    h('div.login-card',
      h('div.login-brand', h('span.logo.big', '办'), h('div', h('h1', '接诉即办'), h('p.muted', '12345 市民服务热线工单平台'))),
      form,
      h('p.muted.small', '未诉先办 · 接诉即办 · 办就办好'))));
  form.querySelector('input').focus();
}
