// Loads ECharts (vendored from the npm package into /vendor by scripts/vendor-web) once, and
// draws charts that follow their container's size.

let loading;
const live = new Set();

/** Resolves with the global echarts object, or null if the file is not installed. */
export function echartsReady() {
  if (window.echarts) return Promise.resolve(window.echarts);
  if (!loading) {
    loading = new Promise((resolve) => {
      const s = document.createElement('script');
      s.src = '/vendor/echarts-6.1.0.min.js'; // versioned by scripts/vendor-web: cached for a year
      s.onload = () => resolve(window.echarts || null);
      s.onerror = () => { loading = null; resolve(null); };
      document.head.appendChild(s);
    });
  }
  return loading;
}

/** Draws option into el (replacing any chart there). */
export async function chart(el, option) {
  const ec = await echartsReady();
  if (!ec) {
    el.textContent = '图表组件未安装（运行 scripts/vendor-web）';
    el.classList.add('empty');
    return null;
  }
  const old = ec.getInstanceByDom(el);
  if (old) old.dispose();
  const c = ec.init(el, null, { renderer: 'canvas' });
  // Tooltips drawn on the canvas: the HTML ones carry inline styles, which the page's CSP
  // (style-src 'self') refuses.
  if (option.tooltip && !option.tooltip.renderMode) option = { ...option, tooltip: { ...option.tooltip, renderMode: 'richText' } };
  c.setOption({
    textStyle: { fontFamily: 'system-ui, "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif' },
    color: ['#b3261e', '#1f6feb', '#2da44e', '#bf8700', '#8250df', '#0a7ea4', '#cf222e', '#57606a', '#e16f24', '#1b7c83'],
    animation: false,
    ...option,
  });
  live.add(c);
  return c;
}

/** Disposes charts whose element left the page. */
export function sweep() {
  for (const c of live) {
    if (!document.body.contains(c.getDom())) { c.dispose(); live.delete(c); }
  }
}

window.addEventListener('resize', () => { for (const c of live) c.resize(); });
