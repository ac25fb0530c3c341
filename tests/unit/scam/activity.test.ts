import { beforeEach, describe, expect, it } from 'vitest';
import { ENGINE_TEXTS } from '../../../src/core/engine.js';
import { ImageTooLarge } from '../../../src/core/images.js';
import type { InboundImage } from '../../../src/core/messages.js';
import { Flows } from '../../../src/dialog/flows.js';
import { ScamActivity, type ImageOutcome } from '../../../src/scam/activity.js';
import { loadScamKnowledge } from '../../../src/scam/knowledge.js';
import { OcrError, type ImageReader } from '../../../src/scam/ocr.js';
import { SCAM_TEXTS } from '../../../src/scam/reply.js';
import { FakeRecorder, turnFor } from '../../helpers/fakes.js';

const dialog = Flows.load('flows', [...ENGINE_TEXTS, ...SCAM_TEXTS]);
const knowledge = loadScamKnowledge('knowledge');
const PNG = Buffer.from('89504e470d0a1a0a0000', 'hex');
const SCAM = 'VINAPHONE: So thue bao cua ban bi thu hoi. Truy cap vnpt-chuanhoa.online de cap nhat truoc 23h59 hom nay.';

class FakeReader implements ImageReader {
  warmed = 0;
  read = async (): Promise<string> => SCAM;
  warm(): void { this.warmed++; }
  async stop(): Promise<void> {}
}

let recorder: FakeRecorder;
let reader: FakeReader;
let outcomes: ImageOutcome[];
const activity = (withReader = true) => new ScamActivity({
  dialog, recorder, knowledge, reader: withReader ? reader : undefined, imageMaxBytes: 1024, fetchTimeoutMs: 1000,
  observe: { image: (o) => outcomes.push(o) },
});
const image = (load: InboundImage['load']): InboundImage => ({ load });
const textOf = (t: { replies: { text: string }[] }) => t.replies.map((r) => r.text).join('\n');

beforeEach(() => {
  recorder = new FakeRecorder();
  reader = new FakeReader();
  outcomes = [];
});

describe('scam check activity', () => {
  it('a screenshot: the text read, the verdict; recorded with its verdict and signal kinds only', async () => {
    const t = turnFor({ channel: 'zalo' });
    expect(await activity().onImage(t, image(async () => PNG))).toBe(true);
    expect(textOf(t)).toContain('Tôi đọc được trong ảnh');
    expect(textOf(t)).toContain('RÕ RÀNG LÀ LỪA ĐẢO');
    expect(recorder.events).toEqual([{ type: 'scam_check', userKey: 'key-zalo-u1', verdict: 'scam', signals: expect.arrayContaining(['fake_link', 'threat']) }]);
    expect(JSON.stringify(recorder.events)).not.toContain('vnpt');
    expect(outcomes).toEqual(['read']);
  });

  it('polite replies, nothing recorded: images off, too large, not fetched, unreadable, busy', async () => {
    const cases: [ImageOutcome, () => Promise<void>, RegExp][] = [
      ['off', async () => { await activity(false).onImage(turnFor(), image(async () => PNG)); }, /chưa đọc được ảnh/],
      ['too_big', async () => { await activity().onImage(turnFor(), image(async () => { throw new ImageTooLarge(); })); }, /lớn quá/],
      ['too_big', async () => { await activity().onImage(turnFor(), image(async () => Buffer.alloc(2048))); }, /lớn quá/],
      ['fetch_failed', async () => { await activity().onImage(turnFor(), image(async () => { throw new Error('404'); })); }, /chưa tải được ảnh/],
    ];
    for (const [outcome, run] of cases) {
      outcomes = [];
      await run();
      expect(outcomes).toEqual([outcome]);
    }
    for (const [reason, said] of [['unreadable', /chưa đọc được chữ/], ['busy', /nhiều ảnh cùng lúc/], ['timeout', /nhiều ảnh cùng lúc/]] as const) {
      reader.read = async () => { throw new OcrError(reason); };
      const t = turnFor();
      await activity().onImage(t, image(async () => PNG));
      expect(textOf(t)).toMatch(said);
    }
    expect(recorder.events).toEqual([]);
  });

  it('the menu entry asks for the message and warms the reader; a short word afterwards goes back to the engine', async () => {
    const state: Record<string, unknown> = {};
    const a = activity();
    const t = turnFor({ state });
    await a.run(t);
    expect(reader.warmed).toBe(1);
    expect(a.awaitsText(state)).toBe(true);
    expect(await a.onText(turnFor({ state }), 'cảm ơn')).toBe(false);
    expect(a.awaitsText(state)).toBe(false);
  });

  it('takes a forwarded message from free text; a general question is left to the knowledge base', async () => {
    const t = turnFor();
    expect(await activity().claimsText(t, `co phai lua dao ko: ${SCAM}`)).toBe(true);
    expect(textOf(t)).toContain('RÕ RÀNG LÀ LỪA ĐẢO');
    expect(await activity().claimsText(turnFor(), 'Làm sao nhận biết tin nhắn lừa đảo?')).toBe(false);
  });
});
