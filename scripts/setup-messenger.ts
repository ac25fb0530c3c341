/**
 * Sets the Messenger page profile: the "Bắt đầu" (Get Started) button and the persistent menu.
 * Run once after creating the page token: npm run setup:messenger
 */
import axios from 'axios';
import { loadConfigOrExit } from '../src/config.js';

export const MESSENGER_PROFILE = {
  get_started: { payload: 'START' },
  persistent_menu: [{
    locale: 'default',
    composer_input_disabled: false,
    call_to_actions: [
      { type: 'postback', title: 'Menu', payload: 'MENU' },
      { type: 'postback', title: 'Hỏi đáp', payload: 'ASK' },
      { type: 'postback', title: 'Làm bài kiểm tra', payload: 'QUIZ' },
      { type: 'postback', title: 'Hướng dẫn', payload: 'HELP' },
    ],
  }],
};

async function main(): Promise<number> {
  const config = loadConfigOrExit();
  if (!config.MESSENGER_PAGE_ACCESS_TOKEN) {
    console.error('Thiếu MESSENGER_PAGE_ACCESS_TOKEN trong .env: hãy tạo mã truy cập Trang (Page access token) trước.');
    return 2;
  }
  const res = await axios.post(`${config.MESSENGER_GRAPH_URL}/me/messenger_profile`, MESSENGER_PROFILE, {
    params: { access_token: config.MESSENGER_PAGE_ACCESS_TOKEN }, timeout: 15_000, validateStatus: () => true,
  });
  if (res.status >= 200 && res.status < 300) {
    console.log('Đã đặt nút "Bắt đầu" (payload START) và menu cố định: Menu, Hỏi đáp, Làm bài kiểm tra, Hướng dẫn.');
    return 0;
  }
  const err = (res.data as { error?: { message?: string; code?: number } } | undefined)?.error;
  console.error(`Facebook từ chối (HTTP ${res.status}${err?.code !== undefined ? `, mã ${err.code}` : ''}): ${err?.message ?? 'không rõ lý do'}`);
  return 1;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  console.error(`Không gọi được Facebook Graph API: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
