import type http from 'node:http';
import { FakeServer, type FakeRequest, type FakeResponse } from './fake-server.js';

export const TG_TOKEN = '123456:TEST-token_abc';

export interface TgSent {
  chat_id: string | number;
  text: string;
  reply_markup?: { inline_keyboard: { text: string; callback_data: string }[][] };
}

/** A Telegram Bot API fake: POST {root}/bot<token>/<method>, answers like the real API. */
export class FakeTelegram {
  readonly server: FakeServer;
  /** Successful sendMessage calls, in arrival order. */
  readonly sent: TgSent[] = [];
  readonly answered: string[] = [];
  /** The last setWebhook parameters. */
  webhook?: Record<string, unknown>;
  private updates: Record<string, unknown>[] = [];
  /** Files the bot may fetch: file id -> path under /file/bot<token>/ and the bytes. */
  private files = new Map<string, { path: string; bytes: Buffer }>();
  private waiting: (() => void)[] = [];
  private messageId = 100;

  constructor(readonly token = TG_TOKEN) {
    this.server = new FakeServer((r, res) => this.handle(r, res));
  }

  static async start(token?: string): Promise<FakeTelegram> {
    const f = new FakeTelegram(token);
    await f.server.listen();
    return f;
  }

  get url(): string {
    return this.server.url;
  }

  calls(method: string): FakeRequest[] {
    return this.server.requests.filter((r) => r.path.endsWith(`/${method}`));
  }

  /** The next `times` calls of `method` fail with `response`. */
  fail(method: string, response: FakeResponse, times = 1): void {
    this.server.fail((r) => r.path.endsWith(`/${method}`), response, times);
  }

  /** Every later sendMessage to this chat fails as Telegram answers when the person blocked the bot (or `description`). */
  block(chatId: string | number, description = 'Forbidden: bot was blocked by the user', code = 403): void {
    this.server.fail((r) => r.path.endsWith('/sendMessage') && String(r.body.chat_id) === String(chatId),
      { status: code, json: { ok: false, error_code: code, description } }, Number.POSITIVE_INFINITY);
  }

  /** Texts sent to one chat, in order. */
  textsTo(chatId: string | number): string[] {
    return this.sent.filter((s) => String(s.chat_id) === String(chatId)).map((s) => s.text);
  }

  /** A file the person sent (a photo): getFile answers its path, /file/bot<token>/<path> serves its bytes. */
  addFile(fileId: string, bytes: Buffer, path = `photos/${fileId}.png`): void {
    this.files.set(fileId, { path, bytes });
  }

  /** Downloads of files (GET /file/bot<token>/...). */
  get downloads(): FakeRequest[] {
    return this.server.requests.filter((r) => r.path.startsWith('/file/'));
  }

  /** Queues an update for getUpdates (long polling). */
  pushUpdate(update: Record<string, unknown>): void {
    this.updates.push(update);
    for (const w of this.waiting.splice(0)) w();
  }

  close(): Promise<void> {
    for (const w of this.waiting.splice(0)) w();
    return this.server.close();
  }

  private async handle(r: FakeRequest, res: http.ServerResponse): Promise<FakeResponse | 'handled'> {
    const file = r.path.match(/^\/file\/bot([^/]+)\/(.+)$/);
    if (file) {
      const f = [...this.files.values()].find((x) => x.path === decodeURIComponent(file[2]!));
      if (file[1] !== this.token || !f) return { status: 404, json: { ok: false, error_code: 404, description: 'Not Found' } };
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(f.bytes.length) });
      res.end(f.bytes);
      return 'handled';
    }
    const m = r.path.match(/^\/bot([^/]+)\/(\w+)$/);
    if (!m) return { status: 404, json: { ok: false, error_code: 404, description: 'Not Found' } };
    if (m[1] !== this.token) return { status: 401, json: { ok: false, error_code: 401, description: 'Unauthorized' } };
    const b = r.body;
    switch (m[2]) {
      case 'getMe':
        return ok({ id: 7000000001, is_bot: true, first_name: 'TestBot', username: 'test_bot' });
      case 'setWebhook':
        this.webhook = b;
        return ok(true);
      case 'deleteWebhook':
        this.webhook = undefined;
        return ok(true);
      case 'getWebhookInfo':
        return ok({ url: this.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: 0 });
      case 'getFile': {
        const f = this.files.get(String(b.file_id));
        if (!f) return bad('Bad Request: invalid file_id');
        return ok({ file_id: b.file_id, file_unique_id: `u-${String(b.file_id)}`, file_size: f.bytes.length, file_path: f.path });
      }
      case 'answerCallbackQuery':
        this.answered.push(String(b.callback_query_id));
        return ok(true);
      case 'sendMessage': {
        const text = String(b.text ?? '');
        if (!text || text.length > 4096) return bad('Bad Request: message text is empty or too long');
        const kb = (b.reply_markup as TgSent['reply_markup'])?.inline_keyboard ?? [];
        if (kb.flat().some((k) => Buffer.byteLength(k.callback_data, 'utf8') > 64 || !k.callback_data)) return bad('Bad Request: BUTTON_DATA_INVALID');
        this.sent.push(b as unknown as TgSent);
        return ok({ message_id: ++this.messageId, chat: { id: b.chat_id, type: 'private' }, date: Math.floor(Date.now() / 1000), text });
      }
      case 'getUpdates': {
        const offset = Number(b.offset ?? 0);
        this.updates = this.updates.filter((u) => Number(u.update_id) >= offset);
        if (!this.updates.length && b.limit === undefined) {
          // Long poll: hold the request until an update arrives or a short while passes.
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 200);
            this.waiting.push(() => { clearTimeout(t); resolve(); });
            res.once('close', () => { clearTimeout(t); resolve(); });
          });
        }
        return ok(this.updates.filter((u) => Number(u.update_id) >= offset));
      }
      default:
        return bad(`Bad Request: method ${m[2]} not faked`);
    }
  }
}

function ok(result: unknown): FakeResponse {
  return { json: { ok: true, result } };
}
function bad(description: string): FakeResponse {
  return { status: 400, json: { ok: false, error_code: 400, description } };
}

let nextUpdateId = 500000001;
export function tgTextUpdate(text: string, chatId = 123456789, updateId = nextUpdateId++): Record<string, unknown> {
  const entities = text.startsWith('/') ? [{ offset: 0, length: text.split(' ')[0]!.length, type: 'bot_command' }] : undefined;
  return {
    update_id: updateId,
    message: {
      message_id: updateId % 100000, from: { id: chatId, is_bot: false, first_name: 'An' },
      chat: { id: chatId, first_name: 'An', type: 'private' }, date: Math.floor(Date.now() / 1000), text, ...(entities ? { entities } : {}),
    },
  };
}

export function tgCallbackUpdate(data: string, chatId = 123456789, updateId = nextUpdateId++): Record<string, unknown> {
  return {
    update_id: updateId,
    callback_query: {
      id: `43820000000${updateId}`, from: { id: chatId, is_bot: false, first_name: 'An' },
      message: { message_id: 12, from: { id: 7000000001, is_bot: true, first_name: 'TestBot', username: 'test_bot' }, chat: { id: chatId, type: 'private' }, date: Math.floor(Date.now() / 1000), text: 'Chọn' },
      chat_instance: '-5000000000000000001', data,
    },
  };
}

/** The bot's membership in a private chat changed: "kicked" when the person blocked it, "member" when they unblocked it. */
export function tgMemberUpdate(chatId: number, status: 'kicked' | 'member', updateId = nextUpdateId++): Record<string, unknown> {
  const user = { id: chatId, is_bot: false, first_name: 'An' };
  const bot = { id: 7000000001, is_bot: true, first_name: 'TestBot', username: 'test_bot' };
  return {
    update_id: updateId,
    my_chat_member: {
      chat: { id: chatId, first_name: 'An', type: 'private' }, from: user, date: Math.floor(Date.now() / 1000),
      old_chat_member: { user: bot, status: status === 'kicked' ? 'member' : 'kicked' }, new_chat_member: { user: bot, status },
    },
  };
}

/** A photo message: Telegram sends several sizes, the largest last. */
export function tgPhotoUpdate(fileId: string, chatId = 123456789, updateId = nextUpdateId++): Record<string, unknown> {
  return {
    update_id: updateId,
    message: {
      message_id: updateId % 100000, from: { id: chatId, is_bot: false, first_name: 'An' }, chat: { id: chatId, first_name: 'An', type: 'private' },
      date: Math.floor(Date.now() / 1000),
      photo: [
        { file_id: `${fileId}-small`, file_unique_id: 's', width: 90, height: 195, file_size: 4000 },
        { file_id: fileId, file_unique_id: 'l', width: 780, height: 1688 },
      ],
      caption: 'cái này có phải lừa đảo không',
    },
  };
}
