// Web chat client: one anonymous id per browser, every message through POST /api/chat.
// What is on screen is kept in this tab (sessionStorage) so that a reload shows the conversation again;
// the server keeps the conversation's state (quiz, registration) under the same id.
const log = document.getElementById('log');
const form = document.getElementById('composer');
const input = document.getElementById('text');
const send = document.getElementById('send');
const photo = document.getElementById('photo');
const photoFile = document.getElementById('photo-file');
// The server reads screenshots up to 2 MB (IMAGE_MAX_BYTES); bigger ones are shrunk here first.
const IMAGE_MAX_BYTES = 2 * 1024 * 1024;

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
  photo.disabled = true;
  // Reading a screenshot takes a second or two: say so meanwhile.
  const waiting = message.image ? bubble('bot pending', 'Đang đọc ảnh…') : null;
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
    if (message.image && (res.status === 413 || res.status === 400)) {
      bubble('bot error', res.status === 413
        ? 'Ảnh lớn quá, tôi chỉ đọc được ảnh đến 2 MB. Bạn chụp lại màn hình, hoặc dán nguyên văn tin nhắn nhé.'
        : 'Tôi chỉ đọc được ảnh chụp màn hình dạng JPEG hoặc PNG. Bạn chụp lại, hoặc dán nguyên văn tin nhắn nhé.');
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
    waiting?.remove();
    send.disabled = false;
    photo.disabled = false;
    input.focus();
  }
}

/** A JPEG or PNG data URL of at most IMAGE_MAX_BYTES: as picked when it fits, else redrawn smaller as JPEG. */
async function asDataUrl(file) {
  const read = (blob) => new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result);
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
  if (/^image\/(png|jpeg)$/.test(file.type) && file.size <= IMAGE_MAX_BYTES) return read(file);
  const bitmap = await createImageBitmap(file);
  for (let scale = 1; scale > 0.2; scale *= 0.8) {
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
    if (blob && blob.size <= IMAGE_MAX_BYTES) return read(blob);
  }
  throw new Error('image too large');
}

photo.addEventListener('click', () => photoFile.click());
photoFile.addEventListener('change', async () => {
  const file = photoFile.files && photoFile.files[0];
  photoFile.value = '';
  if (!file) return;
  let image;
  try {
    image = await asDataUrl(file);
  } catch {
    bubble('bot error', 'Tôi không mở được ảnh này. Bạn chụp lại màn hình tin nhắn rồi gửi, hoặc dán nguyên văn tin nhắn nhé.');
    return;
  }
  // The picture is shown in this tab only; the history keeps just a note that one was sent.
  const shown = bubble('user', 'Ảnh chụp màn hình');
  const img = document.createElement('img');
  img.src = image;
  img.alt = 'Ảnh bạn vừa gửi';
  shown.prepend(img);
  remember({ user: 'Ảnh chụp màn hình' });
  talk({ image });
});

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
