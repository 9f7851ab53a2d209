// Assessment: the ranking with grades (platform), a unit's own indicators with the orders behind
// each, and appeals. Filled from the assessment API (src/http/res_assess.c) when it is served.
import * as api from '../api.js';
import { h, mount } from '../ui.js';

/** The ranking table into el (compact: the top of the list only). */
export async function rankingPanel(el) {
  mount(el, h('p.muted', '考核接口尚未提供。'));
}

export async function render(view) {
  mount(view, h('div.page-head', h('div', h('h1', '考核'))), h('p.muted', '考核接口尚未提供。'));
  void api;
}
