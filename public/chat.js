// Web chat client: one anonymous id per browser, every message through POST /api/chat.
// What is on screen is kept in this tab (sessionStorage) so that a reload shows the conversation again;
// the server keeps the conversation's state (quiz, registration) under the same id.
const log = document.getElementById('log');
const form = document.getElementById('composer');
const input = document.getElementById('text');
const send = document.getElementById('send');

const HISTORY_KEY = 'bdhvs-history';
const MAX_HISTORY = 200;

const userId = localStorage.getItem('bdhvs-user') || `web-${crypto.randomUUID ? crypto.randomUUID() : Date.now() + '-' + Math.random().toString(36).slice(2)}`;
localStorage.setItem('bdhvs-user', userId);

function loadHistory() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(HISTORY_KEY) || '[]');
    return Array.isArray(saved) ? saved : [];
  } catch {
    return [];
  }
}
const history = loadHistory();

function remember(entry) {
  history.push(entry);
  if (history.length > MAX_HISTORY) history.splice(0, history.length - MAX_HISTORY);
  try {
    sessionStorage.setItem(HISTORY_KEY, JSON.stringify(history));
  } catch {
    // Storage full or disabled: the conversation still works, it just is not restored.
  }
}

function bubble(cls, text) {
  const div = document.createElement('div');
  div.className = `msg ${cls}`;
  div.textContent = text;
  log.appendChild(div);
  div.scrollIntoView({ block: 'end' });
  return div;
}

function render(reply) {
  const div = bubble('bot', reply.text);
  if (reply.buttons && reply.buttons.length) {
    const row = document.createElement('div');
    row.className = 'buttons';
    for (const b of reply.buttons) {
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.textContent = b.title;
      btn.addEventListener('click', () => talk({ payload: b.payload }, b.title));
      row.appendChild(btn);
    }
    div.appendChild(row);
  }
  return div;
}

async function talk(message, shown) {
  if (shown) {
    bubble('user', shown);
    remember({ user: shown });
  }
  send.disabled = true;
  try {
    const res = await fetch('/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId, ...message }),
    });
    if (res.status === 429) {
      const body = await res.json().catch(() => null);
      bubble('bot error', body?.error?.message || 'Bạn gửi tin nhắn nhanh quá. Vui lòng chờ một chút rồi gửi lại.');
      return;
    }
    if (!res.ok) throw new Error(String(res.status));
    const data = await res.json();
    const shownReplies = data.replies.map((r) => {
      remember({ bot: { text: r.text, buttons: r.buttons || [] } });
      return render(r);
    });
    // Long answers are read from their start, not their end.
    if (shownReplies.length) shownReplies[0].scrollIntoView({ block: 'start', behavior: 'smooth' });
  } catch {
    bubble('bot error', 'Không kết nối được máy chủ. Bạn thử lại sau ít phút nhé.');
  } finally {
    send.disabled = false;
    input.focus();
  }
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  talk({ text }, text);
});

if (history.length) {
  // A reload: show what was there, without greeting again.
  for (const entry of history) {
    if (entry && typeof entry.user === 'string') bubble('user', entry.user);
    else if (entry && entry.bot && typeof entry.bot.text === 'string') render(entry.bot);
  }
  log.lastElementChild?.scrollIntoView({ block: 'end' });
} else {
  talk({ payload: 'START' });
}
