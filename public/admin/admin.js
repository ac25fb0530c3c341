// Staff dashboard: plain JS, no libraries, no third-party requests (the server may have no internet).
// Everything shown comes from /api/admin/*; text from citizens is only ever inserted with textContent.
'use strict';

(() => {
  const TOKEN_KEY = 'bdhvs_admin_token';
  const SVG = 'http://www.w3.org/2000/svg';
  const $ = (id) => document.getElementById(id);
  const num = new Intl.NumberFormat('vi-VN');
  const pct = new Intl.NumberFormat('vi-VN', { style: 'percent', maximumFractionDigits: 1 });
  const fmt = (n) => (n === null || n === undefined ? '–' : num.format(n));
  const fmtPct = (r) => (r === null || r === undefined ? '–' : pct.format(r));

  let token = sessionStorage.getItem(TOKEN_KEY) || '';
  let me = null;
  let meta = null;
  let loadSeq = 0;
  let lastStats = null;

  // ------------------------------------------------------------------------------------------
  // API

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.error && body.error.message) || `Lỗi máy chủ (${status}).`);
      this.status = status;
      this.code = body && body.error && body.error.code;
    }
  }

  async function api(path, options = {}) {
    const headers = Object.assign({}, options.headers);
    if (token) headers.Authorization = `Bearer ${token}`;
    let res;
    try {
      res = await fetch(path, Object.assign({}, options, { headers, credentials: 'same-origin' }));
    } catch {
      throw new ApiError(0, { error: { message: 'Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại.' } });
    }
    if (res.status === 401 && path !== '/api/admin/login') {
      const body = await res.json().catch(() => null);
      showLogin(body && body.error && body.error.code === 'session_expired' ? 'Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.' : '');
      throw new ApiError(401, body);
    }
    return res;
  }

  async function apiJson(path, options) {
    const res = await api(path, options);
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, body);
    return body;
  }

  // ------------------------------------------------------------------------------------------
  // Login

  function showLogin(message) {
    me = null;
    document.dispatchEvent(new CustomEvent('admin:logout'));
    $('dash').hidden = true;
    $('who').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    $('username').focus();
  }

  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const button = ev.submitter || ev.target.querySelector('button');
    button.disabled = true;
    $('login-error').textContent = '';
    try {
      token = '';
      sessionStorage.removeItem(TOKEN_KEY);
      await apiJson('/api/admin/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: $('username').value.trim(), password: $('password').value }),
      });
      $('password').value = '';
      await start();
    } catch (err) {
      $('login-error').textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });

  $('token-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('token-error').textContent = '';
    token = $('token').value.trim();
    try {
      await apiJson('/api/admin/me');
      sessionStorage.setItem(TOKEN_KEY, token);
      $('token').value = '';
      await start();
    } catch (err) {
      token = '';
      $('token-error').textContent = err.status === 401 ? 'Mã quản trị không đúng.' : err.message;
      $('login').hidden = false;
    }
  });

  $('logout').addEventListener('click', async () => {
    token = '';
    sessionStorage.removeItem(TOKEN_KEY);
    await fetch('/api/admin/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => undefined);
    showLogin('Bạn đã đăng xuất.');
  });

  // ------------------------------------------------------------------------------------------
  // Filters

  function option(value, label) {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = label;
    return o;
  }

  function fillFilters() {
    const org = $('f-organisation');
    org.replaceChildren();
    if (me.role === 'viewer') {
      org.append(option(me.organisation, me.organisation));
      org.disabled = true;
    } else {
      org.append(option('', 'Tất cả'));
      for (const o of meta.organisations) org.append(option(o.name, o.name));
      org.disabled = false;
    }
    const unit = $('f-unit');
    unit.replaceChildren(option('', 'Tất cả'));
    for (const u of meta.units) unit.append(option(u.name, u.label));
    const ch = $('f-channel');
    ch.replaceChildren(option('', 'Tất cả'));
    for (const c of meta.channels) ch.append(option(c.id, c.label));
    setYear();
  }

  /** The yearly report runs from 1 January to today. */
  function setYear() {
    $('f-from').value = `${meta.today.slice(0, 4)}-01-01`;
    $('f-to').value = meta.today;
  }

  function query(extra) {
    const p = new URLSearchParams();
    for (const [key, id] of [['from', 'f-from'], ['to', 'f-to'], ['organisation', 'f-organisation'], ['unit', 'f-unit'], ['channel', 'f-channel']]) {
      const v = $(id).value;
      if (v) p.set(key, v);
    }
    for (const [k, v] of Object.entries(extra || {})) p.set(k, v);
    const s = p.toString();
    return s ? `?${s}` : '';
  }

  $('filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void loadStats();
  });
  $('f-reset').addEventListener('click', () => {
    setYear();
    if (me.role === 'admin') $('f-organisation').value = '';
    $('f-unit').value = '';
    $('f-channel').value = '';
    void loadStats();
  });

  // ------------------------------------------------------------------------------------------
  // Stats

  async function loadStats() {
    const seq = ++loadSeq;
    const status = $('status');
    status.classList.remove('bad');
    status.textContent = 'Đang tải số liệu…';
    try {
      const s = await apiJson(`/api/admin/stats${query()}`);
      if (seq !== loadSeq) return; // a newer request is on its way
      lastStats = s;
      render(s);
      status.textContent = `Cập nhật lúc ${new Date(s.generatedAt).toLocaleTimeString('vi-VN')} · ${fmt(s.events)} sự kiện trong kỳ.`;
    } catch (err) {
      if (seq !== loadSeq || err.status === 401) return;
      status.classList.add('bad');
      status.textContent = err.message;
    }
  }

  function setCard(id, text) {
    $(id).querySelector('.value').textContent = text;
  }

  function render(s) {
    labels = s.labels;
    renderNumbers(s);
    renderCharts(s);
    const admin = me.role === 'admin';
    $('unanswered-panel').hidden = !admin;
    $('feedback-panel').hidden = !admin;
    // The unanswered questions are knowledge.js's (the staff loop); they do not depend on the filters.
    if (admin) void loadFeedback();
    markScrollable();
  }

  function renderNumbers(s) {
    const t = s.totals;
    // Card titles come from the same labels the exports use.
    for (const card of document.querySelectorAll('.card[data-metric]')) card.querySelector('.label').textContent = label(card.dataset.metric);
    setCard('card-reached', fmt(t.reached));
    setCard('card-web-sessions', fmt(t.webSessions));
    setCard('card-answered', fmt(t.answered));
    setCard('card-unanswered', fmt(t.unanswered));
    setCard('card-completed', fmt(t.quizCompleted));
    setCard('card-passrate', fmtPct(t.passRate));
    setCard('card-participants', fmt(t.participants));
    setCard('card-scam', fmt(t.scamChecks));

    const dims = s.labels.dimensions;
    table($('table-orgs'), dims.organisation, s.byOrganisation.map((o) => ({ name: o.organisation, ...o })), t);
    table($('table-channels'), dims.channel, s.byChannel.map((c) => ({ name: c.label, ...c })), t);
    table($('table-units'), dims.unit, s.byUnit.map((u) => ({ name: u.label, ...u })), t);
    quizTable($('table-quizzes'), s.byQuiz);
    scamTable($('table-scam'), s.scam);
  }

  /** Scam checks by channel and verdict, with the total row. */
  function scamTable(el, scam) {
    const verdicts = Object.keys(scam.byVerdict);
    const thead = document.createElement('thead');
    const hr = document.createElement('tr');
    hr.append(cell('th', labels.dimensions.channel), ...verdicts.map((v) => cell('th', scam.labels.verdicts[v] || v)), cell('th', labels.total));
    thead.append(hr);
    const tbody = document.createElement('tbody');
    const row = (name, counts, total, cls) => {
      const tr = document.createElement('tr');
      if (cls) tr.className = cls;
      tr.append(cell('td', name), ...verdicts.map((v) => cell('td', fmt(counts[v] || 0))), cell('td', fmt(total)));
      tbody.append(tr);
    };
    for (const c of scam.byChannel) row(c.label, c.verdicts, c.total, c.total ? '' : 'zero');
    row(labels.total, scam.byVerdict, scam.total, 'total');
    el.replaceChildren(thead, tbody);
  }

  /** Charts; redrawn on resize because they are drawn at the container's width. */
  function renderCharts(s) {
    lineChart($('chart-days'), s.byDay, [
      { key: 'reached', label: label('reached'), cls: 's1' },
      { key: 'answered', label: label('answered'), cls: 's2' },
      { key: 'quizCompleted', label: label('quizCompleted'), cls: 's3' },
    ]);

    const orgs = s.byOrganisation.filter((o) => o.registered);
    barChart($('chart-orgs'), orgs.map((o) => ({ label: o.organisation, value: o.participants })), `${label('participants')} theo tổ chức`);

    // The web bar counts sessions, not people (see the card of web sessions).
    barChart($('chart-channels'), s.byChannel.map((c) => ({ label: c.channel === 'web' ? `${c.label} (phiên)` : c.label, value: c.reached + (c.webSessions || 0) })),
      `${label('reached')} theo kênh`);

    barChart($('chart-scam-signals'), s.scam.bySignal.map((x) => ({ label: x.label, value: x.count })), labels.scam.signal,
      s.scam.total ? '' : 'Chưa có lượt kiểm tra tin nào trong kỳ.');

    const active = s.byUnit.filter((u) => u.unit && u.participants > 0).sort((a, b) => b.participants - a.participants);
    const idle = s.byUnit.filter((u) => u.unit && u.participants === 0).length;
    barChart($('chart-units'), active.map((u) => ({ label: u.label, value: u.participants })), `${label('participants')} theo xã, phường`,
      idle ? `${idle} xã/phường chưa có người tham gia đăng ký trong kỳ.` : '');
  }

  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      if (lastStats && !$('dash').hidden) renderCharts(lastStats);
      markScrollable();
    }, 200);
  });

  // ------------------------------------------------------------------------------------------
  // Tables

  // Names of the numbers, from the stats API (the same module names them in the exports).
  let labels = null;
  const label = (metric) => (labels && labels.metrics[metric]) || metric;

  function cell(tag, text, cls) {
    const c = document.createElement(tag);
    c.textContent = text;
    if (cls) c.className = cls;
    return c;
  }

  /** A breakdown with its total row; the total is the API's, so people are counted once there too. */
  function table(el, firstHeader, rows, total) {
    const columns = labels.reportMetrics;
    const thead = document.createElement('thead');
    const hr = document.createElement('tr');
    hr.append(cell('th', firstHeader), ...columns.map((k) => cell('th', label(k))));
    thead.append(hr);
    const tbody = document.createElement('tbody');
    const value = (r, k) => (k === 'passRate' ? fmtPct(r[k]) : fmt(r[k]));
    for (const r of rows) {
      const tr = document.createElement('tr');
      if (!columns.some((k) => k !== 'passRate' && r[k])) tr.className = 'zero';
      tr.append(cell('td', r.name), ...columns.map((k) => cell('td', value(r, k))));
      tbody.append(tr);
    }
    if (rows.length > 1) {
      const tr = document.createElement('tr');
      tr.className = 'total';
      tr.append(cell('td', labels.total), ...columns.map((k) => cell('td', value(total, k))));
      tbody.append(tr);
    }
    el.replaceChildren(thead, tbody);
  }

  function quizTable(el, rows) {
    const thead = document.createElement('thead');
    const hr = document.createElement('tr');
    hr.append(cell('th', labels.dimensions.quiz), ...['quizStarted', 'quizCompleted', 'quizPassed', 'passRate', 'averagePercent'].map((k) => cell('th', label(k))));
    thead.append(hr);
    const tbody = document.createElement('tbody');
    if (!rows.length) {
      const tr = document.createElement('tr');
      const td = cell('td', 'Chưa có lượt làm bài nào trong kỳ.', 'text');
      td.colSpan = 6;
      tr.append(td);
      tbody.append(tr);
    }
    for (const q of rows) {
      const tr = document.createElement('tr');
      tr.append(cell('td', q.title), cell('td', fmt(q.started)), cell('td', fmt(q.completed)), cell('td', fmt(q.passed)),
        cell('td', fmtPct(q.passRate)), cell('td', q.averagePercent === null ? '–' : `${num.format(q.averagePercent)}%`));
      tbody.append(tr);
    }
    el.replaceChildren(thead, tbody);
  }

  /**
   * A table wider than its panel (always on a phone) scrolls sideways: say so above it, and keep the
   * edge shadow only while there is more to the right.
   */
  function markScrollable() {
    for (const wrap of document.querySelectorAll('.table-wrap')) {
      let hint = wrap.previousElementSibling;
      if (!hint || !hint.classList.contains('scroll-hint')) {
        hint = cell('p', 'Bảng rộng hơn màn hình: vuốt ngang để xem các cột bên phải →', 'scroll-hint');
        wrap.before(hint);
        wrap.addEventListener('scroll', () => wrap.classList.toggle('at-end', wrap.scrollLeft + wrap.clientWidth >= wrap.scrollWidth - 1), { passive: true });
      }
      const scrollable = wrap.scrollWidth > wrap.clientWidth + 1;
      wrap.classList.toggle('scrollable', scrollable);
      wrap.classList.toggle('at-end', !scrollable || wrap.scrollLeft + wrap.clientWidth >= wrap.scrollWidth - 1);
      hint.hidden = !scrollable || wrap.offsetParent === null;
    }
  }

  async function loadFeedback() {
    const el = $('table-feedback');
    try {
      const { items, labels: names } = await apiJson(`/api/admin/feedback${query()}`);
      const reasons = Object.keys(names.reasons);
      const thead = document.createElement('thead');
      const hr = document.createElement('tr');
      hr.append(cell('th', names.topic), ...reasons.map((r) => cell('th', names.reasons[r])), cell('th', names.total));
      thead.append(hr);
      const tbody = document.createElement('tbody');
      if (!items.length) {
        const td = cell('td', 'Chưa có góp ý nào trong kỳ.', 'text');
        td.colSpan = reasons.length + 2;
        const tr = document.createElement('tr');
        tr.append(td);
        tbody.append(tr);
      }
      for (const f of items) {
        const tr = document.createElement('tr');
        tr.append(cell('td', f.topic, 'text'), ...reasons.map((r) => cell('td', fmt(f.reasons[r]))), cell('td', fmt(f.total)));
        tbody.append(tr);
      }
      el.replaceChildren(thead, tbody);
      markScrollable();
    } catch (err) {
      if (err.status !== 401) el.replaceChildren(cell('caption', err.message));
    }
  }

  // ------------------------------------------------------------------------------------------
  // Charts: hand-drawn SVG, sized by viewBox so they scale from a 360 px phone to a desktop.

  function svgEl(name, attrs, text) {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /** Drawn at the container's real width so that 12 px text stays 12 px on a phone and on a desktop. */
  function chartWidth(el) {
    return Math.round(Math.max(260, Math.min(el.clientWidth || 480, 1400)));
  }

  function niceMax(v) {
    if (v <= 4) return 4;
    const p = 10 ** Math.floor(Math.log10(v));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  function shortDate(d) {
    return `${d.slice(8, 10)}/${d.slice(5, 7)}`;
  }

  function lineChart(el, days, series) {
    el.replaceChildren();
    if (!days.length) {
      el.append(cell('p', 'Chưa có số liệu trong kỳ.', 'empty'));
      return;
    }
    // Long periods are summed by week so the lines stay readable on a phone.
    let points = days;
    let unit = 'ngày';
    if (days.length > 120) {
      unit = 'tuần';
      points = [];
      for (let i = 0; i < days.length; i += 7) {
        const chunk = days.slice(i, i + 7);
        const p = { date: chunk[0].date };
        for (const s of series) p[s.key] = chunk.reduce((a, d) => a + d[s.key], 0);
        points.push(p);
      }
    }
    const W = chartWidth(el), H = Math.round(Math.min(280, Math.max(200, W * 0.45))), L = 44, R = 12, T = 12, B = 34;
    const max = niceMax(Math.max(1, ...points.flatMap((p) => series.map((s) => p[s.key]))));
    const x = (i) => L + (points.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (points.length - 1));
    const y = (v) => T + (H - T - B) * (1 - v / max);
    const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `Biểu đồ theo ${unit}: ${series.map((s) => s.label).join(', ')}` });
    svg.append(svgEl('title', {}, `Biểu đồ theo ${unit}`));
    for (let g = 0; g <= 4; g++) {
      const v = (max * g) / 4;
      svg.append(svgEl('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }));
      svg.append(svgEl('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, num.format(v)));
    }
    const ticks = points.length <= 1 ? [0] : [0, Math.floor((points.length - 1) / 2), points.length - 1];
    for (const i of new Set(ticks)) {
      svg.append(svgEl('text', { x: x(i), y: H - 12, 'text-anchor': i === 0 ? 'start' : i === points.length - 1 ? 'end' : 'middle', class: 'axis' }, shortDate(points[i].date)));
    }
    for (const s of series) {
      const d = points.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(p[s.key]).toFixed(1)}`).join(' ');
      svg.append(svgEl('path', { d, class: `line ${s.cls}`, 'data-series': s.key }));
      if (points.length <= 62) {
        points.forEach((p, i) => {
          const c = svgEl('circle', { cx: x(i).toFixed(1), cy: y(p[s.key]).toFixed(1), r: 2.5, class: s.cls });
          c.append(svgEl('title', {}, `${shortDate(p.date)}: ${s.label} ${num.format(p[s.key])}`));
          svg.append(c);
        });
      }
    }
    const legend = document.createElement('ul');
    legend.className = 'legend';
    for (const s of series) legend.append(cell('li', s.label, s.cls));
    el.append(svg, legend);
  }

  function barChart(el, rows, title, note) {
    el.replaceChildren();
    if (!rows.length || rows.every((r) => !r.value)) {
      el.append(cell('p', note || 'Chưa có số liệu trong kỳ.', 'empty'));
      return;
    }
    // Label above each bar: long Vietnamese names fit on a 360 px screen.
    const W = chartWidth(el), rowH = 40, pad = 6;
    const H = rows.length * rowH + pad;
    const max = Math.max(...rows.map((r) => r.value), 1);
    const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
    svg.append(svgEl('title', {}, title));
    rows.forEach((r, i) => {
      const top = pad + i * rowH;
      const w = Math.max(r.value ? 2 : 0, ((W - 60) * r.value) / max);
      svg.append(svgEl('text', { x: 0, y: top + 12, class: 'barlabel' }, r.label));
      const bar = svgEl('rect', { x: 0, y: top + 17, width: w.toFixed(1), height: 14, rx: 2, class: r.value ? 'bar' : 'bar muted' });
      bar.append(svgEl('title', {}, `${r.label}: ${num.format(r.value)}`));
      svg.append(bar);
      svg.append(svgEl('text', { x: w + 6, y: top + 29, class: 'barvalue' }, num.format(r.value)));
    });
    el.append(svg);
    if (note) el.append(cell('p', note, 'hint'));
  }

  // ------------------------------------------------------------------------------------------
  // Downloads: fetched with the same credentials, then saved from a blob.

  function fileName(res, fallback) {
    const cd = res.headers.get('Content-Disposition') || '';
    const m = /filename="([^"]+)"/.exec(cd);
    return m ? m[1] : fallback;
  }

  async function download(path, fallback, button) {
    const status = $('dl-status');
    status.classList.remove('bad');
    status.textContent = 'Đang tạo tệp, vui lòng chờ…';
    button.disabled = true;
    try {
      const res = await api(path);
      if (!res.ok) {
        const body = await res.json().catch(() => null);
        throw new ApiError(res.status, body);
      }
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName(res, fallback);
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      status.textContent = `Đã tải xong ${a.download}.`;
    } catch (err) {
      if (err.status === 401) return;
      status.classList.add('bad');
      status.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  }

  $('dl-xlsx').addEventListener('click', (ev) => download(`/api/admin/export.xlsx${query()}`, 'bao-cao-phong-trao.xlsx', ev.currentTarget));
  $('dl-csv').addEventListener('click', (ev) => download(`/api/admin/export.csv${query()}`, 'bao-cao-phong-trao.csv', ev.currentTarget));
  $('dl-csv-events').addEventListener('click', (ev) => download(`/api/admin/export.csv${query({ rows: 'events' })}`, 'su-kien-phong-trao.csv', ev.currentTarget));

  // ------------------------------------------------------------------------------------------
  // Completion codes

  $('code-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const out = $('code-result');
    out.classList.remove('bad');
    const code = $('code').value.trim();
    try {
      const c = await apiJson(`/api/admin/verify-code?code=${encodeURIComponent(code)}`);
      out.textContent = `Mã ${c.code} hợp lệ: bài “${c.quizTitle}”, đúng ${c.score}/${c.total} câu, ngày ${c.date.split('-').reverse().join('/')}.`;
    } catch (err) {
      if (err.status === 401) return;
      out.classList.add('bad');
      out.textContent = err.status === 404 ? `Không tìm thấy mã ${code}. Kiểm tra lại từng ký tự.` : err.message;
    }
  });

  // ------------------------------------------------------------------------------------------
  // Start

  async function start() {
    me = await apiJson('/api/admin/me');
    meta = await apiJson('/api/admin/meta');
    $('who-name').textContent = me.role === 'viewer'
      ? `${me.username} · ${me.organisation}`
      : me.via === 'token' ? 'Mã quản trị' : `${me.username} · quản trị`;
    $('who').hidden = false;
    $('login').hidden = true;
    $('dash').hidden = false;
    fillFilters();
    // Announcements and the inbox (outreach.js) and the staff loop (knowledge.js) start from here, with this API client.
    document.dispatchEvent(new CustomEvent('admin:ready', { detail: { me, meta, token, apiJson } }));
    await loadStats();
  }

  start().catch((err) => {
    if (err.status !== 401) showLogin(err.message);
  });
})();
