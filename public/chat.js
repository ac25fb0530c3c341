// Web chat client: one anonymous id per browser, every message through POST /api/chat.
const log = document.getElementById('log');
const form = document.getElementById('composer');
const input = document.getElementById('text');
const send = document.getElementById('send');

const userId = localStorage.getItem('bdhvs-user') || `web-${crypto.randomUUID ? crypto.randomUUID() : Date.now() + '-' + Math.random().toString(36).slice(2)}`;
localStorage.setItem('bdhvs-user', userId);

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
  if (shown) bubble('user', shown);
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
    const shown = data.replies.map(render);
    // Long answers are read from their start, not their end.
    if (shown.length) shown[0].scrollIntoView({ block: 'start', behavior: 'smooth' });
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

talk({ payload: 'START' });
