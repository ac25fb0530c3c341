import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContentError } from '../../../src/content/yaml-file.js';
import { detectScam } from '../../../src/scam/detector.js';
import { loadScamKnowledge, type SignalKind } from '../../../src/scam/knowledge.js';

const k = loadScamKnowledge('knowledge');
const check = (text: string, fromImage = false) => detectScam(text, k, { fromImage });
const kinds = (text: string) => check(text).signals.map((s) => s.kind);
const quotes = (text: string, kind: SignalKind) => check(text).signals.find((s) => s.kind === kind)?.quotes ?? [];

describe('signal detector', () => {
  it('a domain borrowing a known name is a fake link, quoted with the official site', () => {
    const f = check('Cap nhat tai khoan VNeID tai https://vneid-capnhat.top ngay hom nay');
    const link = f.signals.find((s) => s.kind === 'fake_link')!;
    expect(link.quotes).toEqual(['https://vneid-capnhat.top']);
    expect(link.why).toContain('vneid.gov.vn');
    // Digits for letters and one letter off are still the same name.
    expect(kinds('Xem tai agr1bank-vn.com')).toContain('fake_link');
    expect(kinds('Xem tai dichvucongg.info/hoso')).toContain('fake_link');
    // Dressed as a state domain.
    expect(kinds('Nop ho so tai dichvucong-gov.vn.cc')).toContain('fake_link');
  });

  it('the official domains and state domains are not signals; a shortener is', () => {
    expect(kinds('Tra cứu tiến độ tại dichvucong.gov.vn.')).toEqual([]);
    expect(kinds('Xem hóa đơn trên cskh.npc.com.vn.')).toEqual([]);
    expect(kinds('Bấm vào bit.ly/qua-tang-2025 để nhận')).toEqual(expect.arrayContaining(['short_link', 'app_or_chat']));
  });

  it('an official domain read with 1 for l from a screenshot is still official; typed, it is not', () => {
    expect(check('Gọi 111 hoặc vào tongdailll.vn', true).links[0]!.kind).toBe('official');
    expect(check('Gọi 111 hoặc vào tongdailll.vn').links[0]!.kind).toBe('unknown');
  });

  it('asking for the OTP is a signal; a notice that says not to give it to anyone is not', () => {
    expect(quotes('Chị đọc lại giúp em mã OTP vừa gửi về máy nhé', 'secret')).toEqual(['đọc lại giúp em mã OTP']);
    expect(kinds('Ma OTP cua Quy khach la 482913. Tuyet doi KHONG cung cap ma nay cho bat ky ai.')).toEqual([]);
    expect(kinds('BIDV KHONG BAO GIO yeu cau Quy khach cung cap OTP qua dien thoai')).toEqual([]);
    // "ứng dụng" folds to "ung dung" but is not "đừng": the request stands.
    expect(kinds('Cài ứng dụng rồi nhập mã OTP để xác thực')).toContain('secret');
  });

  it('money, threats, bait, impersonation and a move to Zalo, each quoted in the person\'s words', () => {
    const text = 'Tôi là cán bộ Công an tỉnh. Ông dính vào vụ án rửa tiền, phải chuyển tiền chứng minh tài sản vào tài khoản tạm giữ, kết bạn Zalo để làm việc.';
    const f = check(text);
    expect(f.verdict).toBe('scam');
    expect(f.signals.map((s) => s.kind)).toEqual(expect.arrayContaining(['money', 'threat', 'impersonation', 'app_or_chat']));
    for (const s of f.signals) for (const q of s.quotes) expect(text).toContain(q);
    expect(kinds('Chúc mừng bạn trúng giải, nộp phí 500k để nhận quà')).toEqual(expect.arrayContaining(['bait', 'money']));
    expect(quotes('Tuyển CTV việc nhẹ lương cao', 'bait')).toContain('việc nhẹ lương cao');
  });

  it('says a quote once when another rule quoted a longer part around it', () => {
    expect(quotes('Em là nhân viên ngân hàng, hệ thống vừa nâng cấp.', 'impersonation')).toEqual(['Em là nhân viên ngân hàng']);
  });

  it('teencode and messages without tone marks read the same', () => {
    expect(check('ck gap 5tr vao stk nay giup e, mai e tra').verdict).toBe('scam');
    expect(check('chuyển khoản gấp 5 triệu vào số tài khoản này giúp em').verdict).toBe('scam');
  });

  it('a warning about the trick is not the trick', () => {
    expect(check('Công an cảnh báo thủ đoạn giả cán bộ địa chính dụ kết bạn Zalo và cài ứng dụng để đọc mã OTP.').verdict).toBe('no_sign');
    expect(check('Điện lực không gọi điện yêu cầu chuyển tiền vào tài khoản cá nhân hay cài ứng dụng lạ.').verdict).toBe('no_sign');
  });

  it('legitimate notices: a bill, a balance change, a delivery with cash on delivery', () => {
    expect(check('EVNNPC thong bao: tien dien thang 11 la 356.000d. Thanh toan qua ung dung ngan hang. Tong dai 19006769.').verdict).toBe('no_sign');
    expect(check('TK 0071xxxxx123 +2,500,000VND luc 09:15. SD 5,320,000VND. ND: LUONG THANG 11').verdict).toBe('no_sign');
    expect(check('GHTK: Don hang cua ban se duoc giao hom nay. Vui long chuan bi 185.000d thanh toan khi nhan hang.').verdict).toBe('no_sign');
  });

  it('a bank message with a link is suspicious in itself (banks send no links since 2025)', () => {
    const f = check('Vietcombank: cap nhat thong tin tai vcbdigibank-update.net');
    expect(f.signals.map((s) => s.kind)).toContain('fake_link');
    const g = check('Ngân hàng nhắc quý khách xem thông báo tại thongbao-khachhang.net');
    expect(g.signals.find((s) => s.kind === 'link')!.why).toMatch(/1\/1\/2025/);
  });

  it('a negation stops at "thì", "là": what follows is the threat it conditions', () => {
    expect(quotes('Ai chưa có chứng nhận thì nộp 100k, tháng sau không có là bị cắt trợ cấp.', 'threat')).toEqual(['bị cắt']);
    expect(kinds('Nếu ông không nộp phạt thì sẽ bị khởi tố')).toContain('threat');
    // "khoan hong" (khoan hồng) typed without marks holds "hong" (= không in teencode) but negates nothing.
    expect(kinds('de dc huong khoan hong ban phai ket ban zalo voi kiem sat vien')).toContain('app_or_chat');
  });

  it('a payment told as done is news, not a request', () => {
    expect(kinds('Bố ơi con chuyển 3 triệu vào tài khoản bố rồi nhé, bố xem nhận được chưa.')).not.toContain('money');
    expect(kinds('Mẹ vừa chuyển 2 triệu tiền học cho con, con kiểm tra nhé.')).not.toContain('money');
    // A "rồi" followed by more is "then".
    expect(kinds('ck 5tr vao stk nay roi nhan tin cho e')).toContain('money');
  });

  it('a story and a money request, an official and a payment: combinations of weaker signals', () => {
    const relative = 'Chi oi cho e muon tam 3tr dc ko, e bi ket tien o benh vien. Chi chuyen vao tk ban e giup e nha vi tk e dang bi loi.';
    const officer = 'Chào anh, em là cán bộ thuế cơ sở. Anh còn nợ thuế 2tr3. Em gửi anh mã QR, anh quét nộp luôn cho nhanh.';
    const sextortion = 'Em có clip call của anh rồi nha. Ko muốn em gửi cho vợ với cơ quan anh thì ck 15tr vào stk em gửi.';
    for (const text of [relative, officer, sextortion]) {
      const f = check(text);
      expect(f.verdict).toBe('scam');
      for (const s of f.signals) for (const q of s.quotes) expect(text).toContain(q);
    }
    // The same words without the pressure are ordinary family talk.
    expect(check('Chị ơi cho em mượn 2 triệu mua phân bón, tháng sau bán chè em trả chị.').verdict).toBe('no_sign');
    expect(check('Anh ơi bố bị ngã xe, đang ở trạm y tế xã, bác sĩ bảo không sao.').verdict).toBe('no_sign');
  });

  it('"làm tại nhà" is a job lure, "tại nhà văn hóa" a place', () => {
    expect(kinds('Tuyển CTV làm tại nhà, thu nhập cao')).toContain('bait');
    expect(kinds('Phiên giao dịch việc làm tại nhà văn hóa xã sáng thứ Bảy, không mất phí.')).not.toContain('bait');
  });

  it('names the real hotline of the body the message pretends to be', () => {
    expect(check('EVN: dien se bi cat trong 24h').brands.map((b) => b.id)).toContain('evn');
  });
});

describe('knowledge/scam-signals.yaml is validated at start', () => {
  const copy = (edit: (s: string) => string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bdhvs-scam-k-'));
    fs.writeFileSync(path.join(dir, 'scam-signals.yaml'), edit(fs.readFileSync('knowledge/scam-signals.yaml', 'utf8')));
    return dir;
  };

  it('a phrase with tone marks stops the start, naming file, line and field', () => {
    const dir = copy((s) => s.replace('"chung minh tai san"', '"chứng minh tài sản"'));
    expect(() => loadScamKnowledge(dir)).toThrow(ContentError);
    try {
      loadScamKnowledge(dir);
    } catch (e) {
      expect((e as Error).message).toMatch(/scam-signals\.yaml:\d+:\d+: kinds\.money\.phrases\.0\.phrase: viết thường, không dấu/);
    }
  });

  it('an unbalanced phrase and a bad regular expression are refused too', () => {
    expect(() => loadScamKnowledge(copy((s) => s.replace('"chuyen nham"', '"(chuyen nham"')))).toThrow(/kinds\.bait\.phrases\.\d+: unbalanced/);
    expect(() => loadScamKnowledge(copy((s) => s.replace('"\\\\*\\\\*?(21|62|67|61)\\\\*"', '"(21"')))).toThrow(/kinds\.secret\.phrases\.\d+/);
  });
});
