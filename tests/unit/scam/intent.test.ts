import { describe, expect, it } from 'vitest';
import { readCheckRequest } from '../../../src/scam/intent.js';
import { loadScamKnowledge } from '../../../src/scam/knowledge.js';

const k = loadScamKnowledge('knowledge');
const read = (text: string) => readCheckRequest(text, k);
const SMS = 'Cuc Thue thong bao: ma so thue ca nhan cua ong/ba chua duoc dong bo, se bi phat 5.000.000d. Cap nhat ngay tai https://thuedientu-gdt.com.vn.xyz';

describe('reading a request to check a message', () => {
  it('takes the message after or before the question, with or without tone marks', () => {
    expect(read(`Tin này có phải lừa đảo không: ${SMS}`)).toEqual({ kind: 'check', message: SMS });
    expect(read(`${SMS}\nlua dao ko ad?`)).toEqual({ kind: 'check', message: SMS });
    expect(read(`xem giúp tin nhắn này với: "${SMS}"`)).toEqual({ kind: 'check', message: SMS });
  });

  it('a bare "có phải lừa đảo không?" asks for the message', () => {
    expect(read('tin này có phải lừa đảo không?')).toEqual({ kind: 'ask' });
  });

  it('a clear scam pasted alone is checked; a question or a story about one goes to the knowledge base', () => {
    expect(read(SMS)).toEqual({ kind: 'check', message: SMS });
    expect(read('Làm sao nhận biết tin nhắn có phải lừa đảo không?')).toBeUndefined();
    expect(read('có người gọi bảo tôi dính vụ án rửa tiền, phải chuyển tiền chứng minh tài sản, tôi phải làm gì')).toBeUndefined();
    expect(read('ng gọi nói là bên ngân hàng, bảo cập nhật sinh trắc học qua đường link gửi sang, có thật không')).toBeUndefined();
    expect(read('Nghị quyết 57 là gì?')).toBeUndefined();
    // A legitimate notice pasted without a question is not taken for a check (it may be a question about the notice).
    expect(read('EVNNPC thong bao: tien dien ky 1 thang 11/2025 la 356.000d. Quy khach vui long thanh toan qua ung dung ngan hang.')).toBeUndefined();
  });
});
