// Announcements ("Thông báo") and the staff inbox ("Hộp thư"): plain JS, started by admin.js once logged in.
// Citizens' words are only ever inserted with textContent.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const num = new Intl.NumberFormat('vi-VN');
  const CHANNELS = { zalo: 'Zalo', messenger: 'Messenger', telegram: 'Telegram', web: 'Web chat', botframework: 'Teams' };
  const STATUS = { draft: 'Bản nháp', sending: 'Đang gửi', done: 'Đã gửi xong', cancelled: 'Đã hủy' };
  const RESULT = { sent: 'Đã gửi', failed: 'Lỗi', later: 'Chờ người dân nhắn lại', skipped: 'Bỏ qua', pending: 'Đang chờ gửi' };
  const REASONS = {
    window: 'ngoài thời hạn nền tảng cho phép', '-230': 'Zalo: quá 7 ngày không tương tác', '-232': 'Zalo: quá 7 ngày không tương tác',
    '-213': 'Zalo: không còn quan tâm OA', '-244': 'Zalo: đã chặn loại tin này', '-227': 'Zalo: tài khoản không hoạt động',
    403: 'Telegram: đã chặn chatbot', 400: 'Telegram: không tìm thấy cuộc trò chuyện', 551: 'Messenger: người dùng không còn nhận tin',
    cancelled: 'đã hủy gửi', expired: 'quá hạn chờ', unsubscribed: 'đã dừng nhận', gone: 'đã rời kênh', deleted: 'đã xóa dữ liệu',
    next_visit: 'khi vào lại web chat', channel_off: 'kênh chưa bật',
  };
  let me = null;
  let timers = [];
  let current = null;
  let pollSeq = 0;
  let inboxStatus = 'waiting';
  let openConv = null;
  const chosen = [];

  /** The dashboard's API client (admin.js): sends the session, and an expired session goes back to the login. */
  let apiJson = null;
  function api(path, options = {}) {
    return apiJson(path, options.body ? Object.assign({}, options, { headers: { 'Content-Type': 'application/json' } }) : options);
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function option(value, label) {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = label;
    return o;
  }
  function vnTime(iso) {
    return new Date(iso).toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', year: 'numeric' });
  }
  /** "2 ngày 3 giờ", "5 giờ 12 phút", "8 phút". */
  function span(ms) {
    const m = Math.max(0, Math.round(ms / 60000));
    const d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), min = m % 60;
    if (d) return `${d} ngày ${h} giờ`;
    if (h) return `${h} giờ ${min} phút`;
    return `${min} phút`;
  }
  function every(ms, fn) {
    timers.push(setInterval(fn, ms));
  }
  /** A table; the column `textCol` (if any) holds long text that wraps. */
  function table(head, rows, textCol = -1) {
    const t = document.createElement('table');
    const tr = document.createElement('tr');
    for (const h of head) tr.append(el('th', h));
    const thead = document.createElement('thead');
    thead.append(tr);
    const tbody = document.createElement('tbody');
    for (const r of rows) {
      const row = document.createElement('tr');
      r.forEach((c, i) => row.append(el('td', c, i === textCol ? 'text' : '')));
      tbody.append(row);
    }
    t.append(thead, tbody);
    return t;
  }

  // ------------------------------------------------------------------------------------------
  // Tabs

  function show(tab) {
    for (const b of document.querySelectorAll('#tabs button')) {
      if (b.dataset.tab === tab) b.setAttribute('aria-current', 'page');
      else b.removeAttribute('aria-current');
    }
    $('dash').hidden = tab !== 'dash';
    $('broadcasts').hidden = tab !== 'broadcasts';
    $('inbox').hidden = tab !== 'inbox';
    if (tab === 'broadcasts') void loadBroadcasts();
    if (tab === 'inbox') void loadInbox();
  }
  for (const b of document.querySelectorAll('#tabs button')) b.addEventListener('click', () => show(b.dataset.tab));

  document.addEventListener('admin:ready', (ev) => {
    me = ev.detail.me;
    apiJson = ev.detail.apiJson;
    $('tabs').hidden = false;
    $('tab-broadcasts').hidden = me.role !== 'admin';
    if (me.role === 'admin') void fillComposer(ev.detail.meta);
    void refreshBadge();
    every(30000, refreshBadge);
    show(location.hash === '#inbox' ? 'inbox' : 'dash');
  });
  document.addEventListener('admin:logout', () => {
    timers.forEach(clearInterval);
    timers = [];
    $('tabs').hidden = true;
    $('broadcasts').hidden = true;
    $('inbox').hidden = true;
  });

  /** New conversations show as a count on the "Hộp thư" tab (checked every 30 seconds). */
  async function refreshBadge() {
    try {
      const { items } = await api('/api/admin/conversations?status=waiting');
      $('inbox-badge').textContent = String(items.length);
      $('inbox-badge').hidden = !items.length;
    } catch { /* shown again at the next check */ }
  }

  // ------------------------------------------------------------------------------------------
  // Announcements: compose

  async function fillComposer(meta) {
    const opts = await api('/api/admin/outreach/options');
    const target = $('bc-target');
    target.replaceChildren(option('', '— Chọn —'));
    for (const [label, list] of [['Bài kiểm tra', opts.quizzes], ['Bài viết', opts.articles]]) {
      const g = document.createElement('optgroup');
      g.label = label;
      for (const x of list) g.append(option(x.payload, x.title));
      target.append(g);
    }
    const ch = $('bc-channel');
    ch.replaceChildren(option('', 'Tất cả'));
    for (const c of opts.channels) ch.append(option(c, CHANNELS[c] || c));
    $('bc-organisation').replaceChildren(option('', 'Tất cả'), ...meta.organisations.map((o) => option(o.name, o.name)));
    $('bc-unit').replaceChildren(option('', 'Tất cả'), ...meta.units.map((u) => option(u.name, u.label)));
    void preview();
  }

  function filter() {
    const f = {};
    for (const [k, id] of [['channel', 'bc-channel'], ['organisation', 'bc-organisation'], ['unit', 'bc-unit']]) if ($(id).value) f[k] = $(id).value;
    return f;
  }

  function audienceTable(a) {
    const rows = Object.entries(a.byChannel).map(([c, n]) => [CHANNELS[c] || c, num.format(n.now), num.format(n.later), num.format(n.outside)]);
    rows.push(['Cộng', ...['now', 'later', 'outside'].map((k) => num.format(Object.values(a.byChannel).reduce((s, n) => s + n[k], 0)))]);
    const t = table(['Kênh', 'Gửi ngay', 'Khi họ nhắn lại', 'Không gửi được'], rows);
    t.className = 'audience';
    return t;
  }

  async function preview() {
    try {
      const a = await api(`/api/admin/audience?${new URLSearchParams(filter())}`);
      $('bc-preview').replaceChildren(el('p', `${num.format(a.total)} người đã đăng ký nhận thông báo phù hợp bộ lọc.`, 'hint'), audienceTable(a));
    } catch (err) {
      $('bc-preview').replaceChildren(el('p', err.message, 'status bad'));
    }
  }
  for (const id of ['bc-channel', 'bc-organisation', 'bc-unit']) $(id).addEventListener('change', () => void preview());
  $('bc-text').addEventListener('input', () => { $('bc-count').textContent = num.format($('bc-text').value.length); });

  $('bc-target').addEventListener('change', () => {
    const o = $('bc-target').selectedOptions[0];
    if (o && o.value && !$('bc-title').value) $('bc-title').value = o.textContent.slice(0, 40);
  });
  $('bc-add').addEventListener('click', () => {
    const payload = $('bc-target').value;
    const title = $('bc-title').value.trim();
    if (!payload || !title || chosen.length >= 3) return;
    chosen.push({ title, payload });
    $('bc-title').value = '';
    $('bc-target').value = '';
    renderChosen();
  });
  function renderChosen() {
    $('bc-chosen').replaceChildren(...chosen.map((b, i) => {
      const li = el('li', b.title);
      const x = el('button', 'Bỏ');
      x.type = 'button';
      x.setAttribute('aria-label', `Bỏ nút ${b.title}`);
      x.addEventListener('click', () => { chosen.splice(i, 1); renderChosen(); });
      li.append(x);
      return li;
    }));
  }

  $('bc-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const status = $('bc-status');
    status.classList.remove('bad');
    try {
      const draft = await api('/api/admin/broadcasts', { method: 'POST', body: JSON.stringify({ text: $('bc-text').value, buttons: chosen.slice(), ...filter() }) });
      status.textContent = 'Đã tạo bản nháp. Kiểm tra số người nhận rồi bấm “Gửi”.';
      await openBroadcast(draft.id, draft.audience);
    } catch (err) {
      status.classList.add('bad');
      status.textContent = err.message;
    }
  });

  // ------------------------------------------------------------------------------------------
  // Announcements: follow

  async function openBroadcast(id, audience) {
    current = { id, audience };
    $('bc-current').hidden = false;
    $('bc-report').replaceChildren();
    if (audience) $('bc-current-audience').replaceChildren(audienceTable(audience));
    else $('bc-current-audience').replaceChildren();
    await refreshCurrent();
    $('bc-current').scrollIntoView({ block: 'start' });
  }

  async function refreshCurrent() {
    if (!current) return;
    const b = await api(`/api/admin/broadcasts/${current.id}`);
    const c = b.counts;
    const total = current.audience ? current.audience.total : c.sent + c.failed + c.later + c.skipped + c.pending;
    const done = c.sent + c.failed + c.later + c.skipped;
    $('bc-current-text').textContent = b.text;
    $('bc-bar').style.width = `${total ? Math.round((100 * done) / Math.max(total, done + c.pending)) : 0}%`;
    $('bc-progress').textContent = b.status === 'draft'
      ? `Bản nháp, chưa gửi. Sẽ gửi cho ${num.format(total)} người.`
      : `${STATUS[b.status]}: đã gửi ${num.format(c.sent)} · lỗi ${num.format(c.failed)} · chờ người dân nhắn lại ${num.format(c.later)} · bỏ qua ${num.format(c.skipped)} · còn lại ${num.format(c.pending)}.`;
    $('bc-send').hidden = b.status !== 'draft';
    $('bc-send').textContent = `Gửi cho ${num.format(total)} người`;
    $('bc-cancel').hidden = b.status !== 'sending' && b.status !== 'draft';
    // One poll at a time, for the announcement on screen.
    const seq = ++pollSeq;
    if (b.status === 'sending') setTimeout(() => { if (seq === pollSeq) void refreshCurrent().catch(() => undefined); }, 1500);
  }

  $('bc-send').addEventListener('click', async () => {
    $('bc-send').disabled = true;
    try {
      await api(`/api/admin/broadcasts/${current.id}/send`, { method: 'POST' });
      await refreshCurrent();
      void loadBroadcasts();
    } catch (err) {
      $('bc-progress').textContent = err.message;
    } finally {
      $('bc-send').disabled = false;
    }
  });
  $('bc-cancel').addEventListener('click', async () => {
    try {
      await api(`/api/admin/broadcasts/${current.id}/cancel`, { method: 'POST' });
    } catch (err) {
      $('bc-progress').textContent = err.message;
    }
    await refreshCurrent();
    void loadBroadcasts();
  });
  $('bc-report-btn').addEventListener('click', async () => {
    const { items } = await api(`/api/admin/broadcasts/${current.id}/deliveries?limit=1000`);
    const rows = items.map((d) => [d.recipient || '(đã xóa)', CHANNELS[d.channel] || d.channel, RESULT[d.status] || d.status, d.reason ? REASONS[d.reason] || d.reason : '', vnTime(d.at)]);
    $('bc-report').replaceChildren(items.length ? table(['Người nhận (mã ẩn danh)', 'Kênh', 'Kết quả', 'Lý do', 'Lúc'], rows) : el('p', 'Chưa có ai trong danh sách gửi.', 'hint'));
  });

  /** Counts for the yearly report: requests for staff, answered, median wait; announcements delivered per channel. */
  async function loadSummary() {
    const year = new Date().toLocaleDateString('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).slice(0, 4);
    const s = await api(`/api/admin/outreach/summary?from=${year}-01-01`);
    const h = s.handoffs;
    const sent = Object.entries(s.broadcasts.sentByChannel).map(([c, n]) => `${CHANNELS[c] || c} ${num.format(n)}`).join(', ');
    $('bc-summary').replaceChildren(
      el('li', `Lượt người dân xin gặp cán bộ: ${num.format(h.requested)}; đã được trả lời: ${num.format(h.answered)}.`),
      el('li', `Thời gian chờ trung vị đến câu trả lời đầu tiên: ${h.medianWaitSeconds === null ? '–' : span(h.medianWaitSeconds * 1000)}.`),
      el('li', `Tin thông báo đã đến người dân: ${sent || '0'}.`),
    );
  }

  async function loadBroadcasts() {
    if (!me || me.role !== 'admin') return;
    void loadSummary().catch(() => undefined);
    const { items } = await api('/api/admin/broadcasts');
    const t = table(['Nội dung', 'Ngày tạo', 'Trạng thái', 'Đã gửi', 'Lỗi', 'Chờ', 'Bỏ qua'], items.map((b) => [
      b.text.length > 60 ? `${b.text.slice(0, 57)}…` : b.text, vnTime(b.createdAt), STATUS[b.status], num.format(b.counts.sent),
      num.format(b.counts.failed), num.format(b.counts.later + b.counts.pending), num.format(b.counts.skipped),
    ]), 0);
    [...t.querySelectorAll('tbody tr')].forEach((tr, i) => {
      tr.tabIndex = 0;
      tr.className = 'clickable';
      const open = () => void openBroadcast(items[i].id);
      tr.addEventListener('click', open);
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
    });
    $('bc-list').replaceWith(t);
    t.id = 'bc-list';
  }

  // ------------------------------------------------------------------------------------------
  // Inbox

  for (const b of document.querySelectorAll('#inbox .segmented button')) {
    b.addEventListener('click', () => {
      inboxStatus = b.dataset.status;
      for (const x of document.querySelectorAll('#inbox .segmented button')) x.setAttribute('aria-selected', String(x === b));
      void loadInbox();
    });
  }

  /** The platform's reply window as staff need it: time left, the free part (Zalo), or none (Telegram). */
  function windowText(c) {
    if (c.status === 'closed') return 'Cuộc trò chuyện đã kết thúc.';
    if (!c.canReply) return 'Đã quá thời hạn nền tảng cho phép trả lời. Khi người dân nhắn lại, bạn có thể trả lời.';
    if (c.channel === 'web') return 'Câu trả lời hiện ra khi người dân mở lại web chat.';
    if (!c.replyDeadline) return 'Kênh này không giới hạn thời gian trả lời.';
    const left = `Còn ${span(Date.parse(c.replyDeadline) - Date.now())} để trả lời.`;
    const free = c.freeUntil && Date.parse(c.freeUntil) > Date.now() ? ` Miễn phí thêm ${span(Date.parse(c.freeUntil) - Date.now())}.` : c.freeUntil ? ' Từ giờ, mỗi tin trả lời có tính phí.' : '';
    return left + free;
  }

  async function loadInbox() {
    const list = $('inbox-list');
    try {
      const { items } = await api(`/api/admin/conversations?status=${inboxStatus}`);
      if (!items.length) return list.replaceChildren(el('li', 'Không có cuộc trò chuyện nào.', 'empty'));
      list.replaceChildren(...items.map((c) => {
        const li = document.createElement('li');
        const b = el('button', null, 'conversation');
        b.type = 'button';
        b.append(el('strong', `${c.channelLabel}${c.organisation ? ` · ${c.organisation}` : ''}${c.unit ? ` · ${c.unit}` : ''}`),
          el('span', `Chờ từ ${vnTime(c.waitingSince)} (${span(Date.now() - Date.parse(c.waitingSince))})`, 'meta'),
          el('span', windowText(c), c.canReply ? 'window' : 'window bad'));
        b.addEventListener('click', () => void openConversation(c.id));
        li.append(b);
        return li;
      }));
    } catch (err) {
      list.replaceChildren(el('li', err.message, 'empty'));
    }
  }

  async function openConversation(id) {
    const c = await api(`/api/admin/conversations/${id}`);
    openConv = c;
    $('conv').hidden = false;
    $('conv-title').textContent = `${c.channelLabel}${c.organisation ? ` · ${c.organisation}` : ''}`;
    $('conv-window').textContent = windowText(c);
    $('conv-window').className = c.canReply ? 'window' : 'window bad';
    const who = { citizen: 'Người dân', bot: 'Trợ lý tự động', staff: 'Cán bộ' };
    $('conv-messages').replaceChildren(...c.messages.map((m) => {
      const li = el('li', null, `msg ${m.from}`);
      li.append(el('span', `${who[m.from]}${m.author ? ` (${m.author})` : ''} · ${vnTime(m.at)}`, 'meta'), el('p', m.text));
      return li;
    }));
    $('conv-form').hidden = c.status === 'closed';
    $('conv-status').textContent = '';
    $('conv').scrollIntoView({ block: 'start' });
  }
  // The countdown moves on while the conversation is open.
  setInterval(() => { if (openConv && !$('conv').hidden) $('conv-window').textContent = windowText(openConv); }, 30000);

  $('conv-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const status = $('conv-status');
    status.classList.remove('bad');
    $('conv-send').disabled = true;
    try {
      await api(`/api/admin/conversations/${openConv.id}/reply`, { method: 'POST', body: JSON.stringify({ text: $('conv-text').value }) });
      $('conv-text').value = '';
      await openConversation(openConv.id);
      $('conv-status').textContent = openConv.channel === 'web' ? 'Đã lưu; người dân sẽ thấy khi nhắn tiếp trên web chat.' : 'Đã gửi tới người dân.';
      void loadInbox();
      void refreshBadge();
    } catch (err) {
      status.classList.add('bad');
      status.textContent = err.message;
    } finally {
      $('conv-send').disabled = false;
    }
  });
  $('conv-close').addEventListener('click', async () => {
    try {
      await api(`/api/admin/conversations/${openConv.id}/close`, { method: 'POST' });
      $('conv').hidden = true;
      void loadInbox();
      void refreshBadge();
    } catch (err) {
      $('conv-status').textContent = err.message;
    }
  });
})();
