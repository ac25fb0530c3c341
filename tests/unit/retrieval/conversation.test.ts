import { describe, expect, it } from 'vitest';
import { ConversationRules } from '../../../src/retrieval/conversation.js';
import { Lexicon } from '../../../src/text/lexicon.js';

const lexicon = Lexicon.load('knowledge');

/** Rules with only what a test needs; the shipped lexicon expands teencode ("dvc", "hs"). */
const rulesWith = (data: { in_scope_terms: string[]; out_of_scope?: Record<string, string[]>; other_senses?: string[]; other_senses_marked?: string[] }) =>
  new ConversationRules({
    smalltalk: { call: { patterns: ['bot oi'], replies: ['Dạ, tôi đây!'] } },
    out_of_scope: Object.fromEntries(Object.entries(data.out_of_scope ?? { legal: ['dat dai'] }).map(([k, patterns]) => [k, { patterns, reply: `decline ${k}` }])),
    bare_choice: 'menu?',
    in_scope_terms: data.in_scope_terms,
    out_of_scope_reply: 'ngoài phạm vi',
    other_senses: data.other_senses ?? [],
    other_senses_marked: data.other_senses_marked ?? [],
  }, lexicon);

describe('ConversationRules: words that only look in scope', () => {
  it('does not count a word typed with other tone marks than the in-scope word it folds to', () => {
    const rules = rulesWith({ in_scope_terms: ['lua', 'thue'], other_senses_marked: ['lúa', 'thuê'] });
    expect(rules.inScope('lúa bị rầy nâu phun thuốc gì')).toBe(false);
    expect(rules.inScope('thuê xe đi Điện Biên bao nhiêu tiền')).toBe(false);
    // Typed with the in-scope marks, or without marks (could be either), it still counts.
    expect(rules.inScope('tôi bị lừa mất tiền')).toBe(true);
    expect(rules.inScope('bi lua mat tien')).toBe(true);
    expect(rules.inScope('nộp thuế trên điện thoại')).toBe(true);
  });

  it('does not count an in-scope word inside a phrase where it means something else', () => {
    const rules = rulesWith({ in_scope_terms: ['ho so'], other_senses: ['ho so xin viec'] });
    expect(rules.inScope('nộp hồ sơ xin việc ở nhà máy ở đâu')).toBe(false);
    expect(rules.inScope('nop ho so xin viec o dau')).toBe(false);
    expect(rules.inScope('nộp hồ sơ trực tuyến thế nào')).toBe(true);
  });

  it('an out-of-scope request is only tentative when the rest names something in scope in its own sense', () => {
    const rules = rulesWith({ in_scope_terms: ['ho so', 'dich vu cong'], other_senses: ['ho so xin viec'], out_of_scope: { jobs: ['tuyen dung'] } });
    const asked = (q: string) => rules.classify(q);
    expect(asked('tuyển dụng bảo vệ, nộp hồ sơ xin việc ở đâu')).toMatchObject({ kind: 'out_of_scope', intent: 'jobs', tentative: false });
    expect(asked('tuyển dụng công chức nộp hồ sơ trên dịch vụ công được không')).toMatchObject({ kind: 'out_of_scope', tentative: true });
  });

  it('an everyday phrase for something covered (the shipped lexicon) makes a request tentative, and a message no small talk', () => {
    const rules = rulesWith({ in_scope_terms: ['nong san', 'chatbot'], out_of_scope: { farming: ['nuoi ong'] } });
    // "thương lái ép giá" is the lexicon's phrase for selling produce online.
    expect(rules.classify('nhà em nuôi ong, thương lái ép giá quá, muốn tự bán')).toMatchObject({ kind: 'out_of_scope', tentative: true });
    expect(rules.classify('nhà em nuôi ong, ong bị bệnh')).toMatchObject({ kind: 'out_of_scope', tentative: false });
    // With the shipped rules: "bot ơi" is a call; "bot này làm được gì" asks what the chatbot does.
    const shipped = ConversationRules.load('knowledge', lexicon);
    expect(shipped.classify('bot ơi')).toMatchObject({ kind: 'smalltalk' });
    expect(shipped.classify('bot này lm đc j thế')).toBeUndefined();
    // A number is a question's content: "vay 50tr ko cần thế chấp" is not "không cần" (no thanks).
    expect(shipped.classify('không cần')).toMatchObject({ kind: 'smalltalk' });
    expect(shipped.classify('vay 50tr ko can the chap')?.kind).not.toBe('smalltalk');
  });

  it('finds in-scope words in either reading of the message: as typed or with teencode expanded', () => {
    const rules = rulesWith({ in_scope_terms: ['dich vu cong'] });
    // "đất đai" is the request; "dvc" only names the portal once expanded.
    expect(rules.classify('nộp hs đất đai trên dvc quá hẹn chưa có kết quả')).toMatchObject({ kind: 'out_of_scope', tentative: true });
    expect(rules.classify('tranh chấp đất đai với hàng xóm')).toMatchObject({ kind: 'out_of_scope', tentative: false });
  });
});

describe('ConversationRules: small talk', () => {
  it('takes a message of symbols only (emoji, "?", "...") for a call, and nothing for an empty one', () => {
    const rules = rulesWith({ in_scope_terms: ['vneid'] });
    for (const q of ['👍', ':)', '??', '...', '❤️ 🙏']) expect(rules.classify(q), q).toMatchObject({ kind: 'smalltalk', intent: 'call' });
    expect(rules.classify('   ')).toBeUndefined();
    expect(rules.classify('vneid?')).toBeUndefined();
  });
});

describe('the shipped conversation rules', () => {
  const rules = ConversationRules.load('knowledge', lexicon);

  it('decline requests that share words with the topics the bot covers', () => {
    for (const q of [
      'giá điện thoại iPhone 15 bây giờ bao nhiêu',
      'bảo hiểm xe máy giá bao nhiêu 1 năm',
      'zalo của cô giáo chủ nhiệm lớp con tôi là gì',
      'số tài khoản của hội phụ nữ xã để ủng hộ đồng bào lũ lụt là số nào',
      'hàng rào điện quây trâu lắp thế nào cho khỏi giật người',
      'acc Liên Quân của e muốn bán tài khoản game thì bán ở đâu',
    ]) expect(rules.classify(q), q).toMatchObject({ kind: 'out_of_scope' });
  });

  it('leaves questions about digital life to the knowledge base although they share words with a decline', () => {
    // "bao xa" is "bảo xã" here, not "how far"; installing an APK is phone safety whatever it promises.
    expect(rules.classify('nha toi o Nam Manh, nguoi ta bao xa doi ten roi, gio xa toi ten la gi')?.kind).toBeUndefined();
    expect(rules.classify('Bạn gửi cho file đuôi apk bảo cài vào để xem phim miễn phí. Cài được không')).toMatchObject({ kind: 'out_of_scope', tentative: true });
  });

  it('reads emoji and text faces by what they mean: laughter, thanks, an ok, or a wave', () => {
    const intent = (q: string) => { const u = rules.classify(q); return u?.kind === 'smalltalk' ? u.intent : u?.kind; };
    for (const q of [':D', '=)))', 'xD', ':v', '😂😂', '🤣']) expect(intent(q), q).toBe('laugh');
    for (const q of ['🙏', '❤️', '<3']) expect(intent(q), q).toBe('thanks');
    for (const q of ['👍', '👍👍👍', '👌']) expect(intent(q), q).toBe('ack');
    for (const q of ['...', '?', '😶']) expect(intent(q), q).toBe('call');
    // A face next to words does not count as a word: "hay quá :D" is praise, "vneid :(" is still a question.
    expect(intent('hay quá :D')).toBe('praise');
    expect(rules.classify('vneid không vào được :(')).toBeUndefined();
  });

  it('reads laughter of any length and letters held down as the word they stretch', () => {
    const intent = (q: string) => { const u = rules.classify(q); return u?.kind === 'smalltalk' ? u.intent : u?.kind; };
    for (const q of ['hahahahaha', 'hìhìhì', 'kkkkkkk', 'hjhjhj', 'kakaka']) expect(intent(q), q).toBe('laugh');
    expect(intent('okkkkk')).toBe('ack');
    expect(intent('alooooo')).toBe('call');
    expect(intent('thanksss bot')).toBe('thanks');
    // Words that only start like laughter ("khi", "khu", "kho") are left alone.
    for (const q of ['khi nào', 'khu vực nào', 'kho bạc ở đâu']) expect(rules.classify(q), q).toBeUndefined();
  });

  it('keeps real questions that share words with small talk out of it', () => {
    for (const q of ['y tế', 'thu hồi đất', 'mở tk', 'kiểm tra sổ đỏ', 'ok giờ làm sao đăng ký VNeID', 'gõ nhầm số tài khoản chuyển tiền rồi']) {
      expect(rules.classify(q)?.kind, q).not.toBe('smalltalk');
    }
  });

  it('leave questions about using digital services safely to the knowledge base', () => {
    for (const q of [
      'làm sao để tài khoản zalo không bị hack',
      'có người gửi số tài khoản bảo tôi chuyển tiền ủng hộ, làm sao biết thật hay giả',
      'bị lừa chuyển tiền qua mạng thì báo ở đâu',
      'trả tiền điện trên điện thoại thế nào',
    ]) {
      const u = rules.classify(q);
      expect(u === undefined || (u.kind === 'out_of_scope' && u.tentative), q).toBe(true);
    }
  });
});
