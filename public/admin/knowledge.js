// The staff loop ("Câu hỏi chưa có câu trả lời"): grouped unanswered questions, attached to a section as a sample
// question or marked out of scope in one click, and the recent edits with an undo. Administrators only; started by
// admin.js once logged in. Citizens' words are only ever inserted with textContent or as input values.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  let apiJson = null;
  let sections = null;

  /** GET, or POST with a JSON body, through admin.js's client (token, expired session, error messages). */
  function api(path, body) {
    return body ? apiJson(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }) : apiJson(path);
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function say(message) {
    $('knowledge-status').textContent = message;
  }

  /** Sections grouped by article, the suggested one chosen. */
  function sectionPicker(chosen) {
    const select = el('select');
    const byArticle = new Map();
    for (const s of sections) {
      if (!byArticle.has(s.title)) byArticle.set(s.title, []);
      byArticle.get(s.title).push(s);
    }
    for (const [title, list] of byArticle) {
      const group = document.createElement('optgroup');
      group.label = title;
      for (const s of list) {
        const o = el('option', s.heading);
        o.value = s.id;
        o.selected = s.id === chosen;
        group.append(o);
      }
      select.append(group);
    }
    return select;
  }

  function groupItem(g) {
    const li = el('li');
    li.append(el('span', `${g.count} lần hỏi · lần cuối ${g.lastTime.slice(8, 10)}/${g.lastTime.slice(5, 7)} ${g.lastTime.slice(11, 16)} · ${g.channelLabels.join(', ')}`, 'meta'));
    li.append(el('p', g.text, 'text'));
    if (g.others.length) {
      const more = el('details');
      more.append(el('summary', 'Cách hỏi khác'), ...g.others.map((t) => el('p', t, 'text')));
      li.append(more);
    }
    const form = el('form', undefined, 'inline loop');
    const textLabel = el('label', 'Câu hỏi mẫu (sửa cho gọn nếu cần)');
    const text = el('input');
    text.value = g.text;
    text.maxLength = 300;
    textLabel.append(text);
    const pickLabel = el('label', 'Mục trả lời câu này');
    const pick = sectionPicker(g.suggestion && g.suggestion.chunkId);
    pickLabel.append(pick);
    const attach = el('button', 'Thêm làm câu hỏi mẫu', 'primary');
    attach.type = 'submit';
    const decline = el('button', 'Ngoài phạm vi');
    decline.type = 'button';
    form.append(textLabel, pickLabel, attach, decline);
    const act = (run) => async () => {
      attach.disabled = decline.disabled = true;
      try {
        say(await run());
        await load();
      } catch (err) {
        say(err.message);
        attach.disabled = decline.disabled = false;
      }
    };
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void act(async () => {
        const { now } = await api('/api/admin/knowledge/samples', { ids: g.ids, text: text.value, chunkId: pick.value });
        return now.kind === 'answer'
          ? `Đã thêm. Từ giờ chatbot trả lời câu này bằng bài “${now.title}”.`
          : 'Đã thêm, nhưng chatbot vẫn chưa đủ chắc để trả lời câu này: hãy chọn mục khác, hoặc sửa câu hỏi mẫu cho gần với nội dung của mục.';
      })();
    });
    decline.addEventListener('click', act(async () => {
      await api('/api/admin/knowledge/out-of-scope', { ids: g.ids, text: text.value });
      return 'Đã đánh dấu ngoài phạm vi: từ giờ chatbot từ chối lịch sự câu hỏi này và không ghi lại nữa.';
    }));
    li.append(form);
    return li;
  }

  function editItem(e) {
    const li = el('li');
    const what = e.kind === 'sample' ? `Câu hỏi mẫu cho mục “${(sections.find((s) => s.id === e.chunkId) || { heading: e.chunkId }).heading}”` : 'Ngoài phạm vi';
    li.append(el('span', `${e.time.slice(8, 10)}/${e.time.slice(5, 7)}/${e.time.slice(0, 4)} · ${e.author} · ${what}`, 'meta'), el('p', e.text, 'text'));
    const undo = el('button', 'Hoàn tác');
    undo.type = 'button';
    undo.addEventListener('click', async () => {
      undo.disabled = true;
      try {
        await api(`/api/admin/knowledge/edits/${e.id}/undo`, {});
        say('Đã hoàn tác.');
        await load();
      } catch (err) {
        say(err.message);
        undo.disabled = false;
      }
    });
    li.append(undo);
    return li;
  }

  async function load() {
    const list = $('list-unanswered');
    try {
      sections = sections || (await api('/api/admin/knowledge/sections')).sections;
      const [{ groups }, { items }] = await Promise.all([api('/api/admin/unanswered/groups'), api('/api/admin/knowledge/edits')]);
      list.replaceChildren(...(groups.length ? groups.map(groupItem) : [el('li', 'Chưa có câu hỏi nào.', 'empty')]));
      $('list-edits').replaceChildren(...(items.length ? items.map(editItem) : [el('li', 'Chưa có thay đổi nào.', 'empty')]));
    } catch (err) {
      list.replaceChildren(el('li', err.message, 'empty'));
    }
  }

  document.addEventListener('admin:ready', (ev) => {
    if (ev.detail.me.role !== 'admin') return;
    apiJson = ev.detail.apiJson;
    say('');
    void load();
  });
})();
