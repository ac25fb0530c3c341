import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { KnowledgeAnswerer, LlmComposer } from '../../src/retrieval/answerer.js';
import { HashingEmbedder } from '../../src/retrieval/embeddings.js';
import { HybridIndex } from '../../src/retrieval/hybrid.js';
import { loadArticles, type Chunk } from '../../src/retrieval/knowledge.js';
import { LexicalIndex } from '../../src/retrieval/lexical.js';
import { fromTelex, telexMarked } from '../../src/retrieval/speller.js';
import { analyse } from '../../src/text/vietnamese.js';
import { ConversationRules } from '../../src/retrieval/conversation.js';
import { Lexicon } from '../../src/text/lexicon.js';
import { tempDir } from '../helpers/app.js';

const log = pino({ level: 'silent' });
const lexicon = Lexicon.load('knowledge');
const rules = ConversationRules.load('knowledge', lexicon);
let index: HybridIndex;
let chunks: Chunk[];

beforeAll(async () => {
  const loaded = loadArticles('knowledge');
  chunks = loaded.chunks;
  index = await HybridIndex.open(chunks, loaded.hash, new HashingEmbedder(lexicon), lexicon);
});

const answererWith = (composer?: LlmComposer) => new KnowledgeAnswerer(index, rules, chunks, { minConfidence: 0.5, log, composer });

async function topArticle(q: string): Promise<string | undefined> {
  const { result, hits } = await answererWith().explain(q);
  return result.kind === 'answer' ? hits[0]!.chunk.articleId : undefined;
}

describe('retrieval over the shipped knowledge base', () => {
  it('finds the same article with marks, without marks, in NFD and in teencode', async () => {
    const expected = 'kns-vneid-muc-2';
    expect(await topArticle('Làm tài khoản VNeID mức 2 ở đâu?')).toBe(expected);
    expect(await topArticle('lam tai khoan vneid muc 2 o dau')).toBe(expected);
    expect(await topArticle('Làm tài khoản VNeID mức 2 ở đâu?'.normalize('NFD'))).toBe(expected);
    expect(await topArticle('lm tk vneid muc 2 o dau v')).toBe(expected);
  });

  it("answers the examples the bot itself suggests (flows/main.yaml, 'ask') from the right article", async () => {
    const flow = fs.readFileSync('flows/main.yaml', 'utf8');
    const ask = flow.slice(flow.indexOf('\n  ask:'), flow.indexOf('\n  help:'));
    const examples = [...ask.matchAll(/• (.+)/g)].map((m) => m[1]!.trim());
    const right: Record<string, string[]> = {
      'Nghị quyết 57 là gì?': ['nq57-tong-quan'],
      'Làm sao đăng ký VNeID mức 2?': ['kns-vneid-muc-2'],
      'Làm sao nhận biết cuộc gọi lừa đảo?': ['kns-lua-dao-gia-danh', 'kns-nhan-biet-lua-dao'],
    };
    expect(examples.sort()).toEqual(Object.keys(right).sort());
    for (const q of examples) expect(right[q], q).toContain(await topArticle(q));
  });

  it('answers the questions issue 8 found answered from the wrong place', async () => {
    expect(await topArticle('bi lua mat tien roi thi lam j bay gio')).toBe('kns-bi-lua-dao-phai-lam-gi');
    expect(await topArticle('mục tiêu đến năm 2030 của phong trào thi đua tỉnh Lai Châu là gì')).toBe('lai-chau-muc-dich-yeu-cau');
    expect(await topArticle('Bình dân học vụ số là gì?')).toBe('bdhvs-nguon-goc-y-nghia');
  });

  it('corrects a one-letter typo', async () => {
    expect(await topArticle('bao cao phong trao thi dua gui so noi vu truoc ngayy nao')).toBe('lai-chau-bao-cao-hang-nam');
    // A short word that could be a syllable is corrected only by swapping two letters back ("vya" for "vay").
    const words = new LexicalIndex();
    words.add(undefined, analyse('vay tiền qua mạng, vai trò của tổ'));
    expect(words.spelling('vya')).toBe('vay');
    expect(words.spelling('vao')).toBeUndefined();
  });

  it('reads words with Telex keys left in ("chuyeenr ddooir" for "chuyển đổi")', async () => {
    expect(await topArticle('bao cao phong trao thi dua chuyeenr ddooir so gui so noi vu truoc ngay nao')).toBe('lai-chau-bao-cao-hang-nam');
    expect(fromTelex('maays')).toBe('may');
    expect(fromTelex('nguowif')).toBe('nguoi');
    expect(fromTelex('khong')).toBe('khong');
    // Telex spells the marks exactly: the word counts as typed with them, not as a guess at a typo.
    expect(telexMarked('muwcs')).toBe('mưcs');
    expect(telexMarked('nguowif')).toBe('ngươif');
    expect(await topArticle('ddawng kys vneid muwcs 1 cos caanf ra coong an khoong')).toBe('kns-vneid-muc-1');
  });

  it('declines questions outside its scope instead of answering from an unrelated passage', async () => {
    for (const q of ['giá vàng hôm nay bao nhiêu', 'kết quả bóng đá tối qua', 'dự báo thời tiết ngày mai']) {
      expect((await answererWith().answer(q)).kind, q).toBe('out_of_scope');
    }
    expect(await topArticle('ứng dụng iHanoi có dùng được ở Lai Châu không')).toBeUndefined();
  });

  it('answers with the passage and names the source', async () => {
    const r = await answererWith().answer('Nghị quyết 57 do ai ban hành?');
    expect(r.kind).toBe('answer');
    if (r.kind === 'answer') {
      expect(r.source).toMatch(/57/);
      expect(r.text.length).toBeLessThanOrEqual(1000);
    }
  });
});

describe('index persistence', () => {
  it('reuses the stored index while knowledge is unchanged and rebuilds when it changes', async () => {
    const knowledge = tempDir();
    fs.mkdirSync(path.join(knowledge, 'articles'));
    const write = (body: string) => fs.writeFileSync(path.join(knowledge, 'articles', 'a.md'),
      `---\nid: a\ntitle: "Thử"\nsource: "Nguồn thử"\nupdated: 2026-11-27\ntags: []\n---\n# Thử\n\n## Mật khẩu mạnh là gì?\n\n${body}\n`);
    const dataDir = tempDir();
    const open = () => {
      const { chunks, hash } = loadArticles(knowledge);
      return HybridIndex.open(chunks, hash, new HashingEmbedder(lexicon), lexicon, dataDir);
    };
    write('Mật khẩu mạnh dài ít nhất 12 ký tự, có chữ hoa, chữ thường, số và ký hiệu.');
    expect((await open()).reused).toBe(false);
    expect((await open()).reused).toBe(true);
    write('Mật khẩu mạnh không dùng ngày sinh hay số điện thoại.');
    const changed = await open();
    expect(changed.reused).toBe(false);
    const [hit] = await changed.search('mat khau manh khong dung ngay sinh');
    expect(hit?.chunk.text).toMatch(/ngày sinh/);
  });
});

describe('optional LLM composition', () => {
  let server: http.Server;
  let url = '';
  let mode: 'ok' | 'fail' | 'hang' = 'ok';
  const requests: { messages: { role: string; content: string }[] }[] = [];
  const embedCalls: number[] = [];

  beforeAll(async () => {
    // A local OpenAI-compatible server: POST /v1/chat/completions.
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const parsed = JSON.parse(body);
        if (req.url?.endsWith('/embeddings')) {
          // Deterministic 8-dimensional "embeddings": letter counts, enough to rank by shared letters.
          const inputs: string[] = Array.isArray(parsed.input) ? parsed.input : [parsed.input];
          embedCalls.push(inputs.length);
          const vec = (t: string) => Array.from({ length: 8 }, (_, i) => [...t.toLowerCase()].filter((c) => c.charCodeAt(0) % 8 === i).length + 0.01);
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ object: 'list', model: 'fake-embed', data: inputs.map((t, index) => ({ object: 'embedding', index, embedding: vec(t) })), usage: { prompt_tokens: 1, total_tokens: 1 } }));
        }
        requests.push(parsed);
        if (mode === 'hang') return;
        if (mode === 'fail') {
          res.writeHead(500, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ error: { message: 'boom', type: 'server_error' } }));
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({
          id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'fake',
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Câu trả lời tổng hợp từ tài liệu.' } }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => { server.closeAllConnections(); server.close(); });

  const answerer = () => answererWith(new LlmComposer({ apiKey: 'test-key', baseURL: url, model: 'fake', timeoutMs: 1000 }));

  it('composes from the retrieved passages only', async () => {
    mode = 'ok';
    const r = await answerer().answer('Nghị quyết 57 do ai ban hành?');
    expect(r.kind === 'answer' && r.text).toBe('Câu trả lời tổng hợp từ tài liệu.');
    const prompt = requests.at(-1)!.messages.map((m) => m.content).join('\n');
    expect(prompt).toMatch(/Nghị quyết 57/);
  });

  it('falls back to the extractive answer when the model fails or times out', async () => {
    for (const m of ['fail', 'hang'] as const) {
      mode = m;
      const r = await answerer().answer('Nghị quyết 57 do ai ban hành?');
      expect(r.kind).toBe('answer');
      expect(r.kind === 'answer' && r.text).not.toBe('Câu trả lời tổng hợp từ tài liệu.');
      expect(r.kind === 'answer' && r.text.length).toBeGreaterThan(50);
    }
  });

  it('uses an OpenAI-compatible embeddings endpoint when configured, and persists its vectors', async () => {
    const { OpenAIEmbedder } = await import('../../src/retrieval/embeddings.js');
    const { hash } = loadArticles('knowledge');
    const dir = tempDir();
    const embedder = () => new OpenAIEmbedder({ apiKey: 'test-key', baseURL: url, model: 'fake-embed', timeoutMs: 2000 });
    const built = await HybridIndex.open(chunks, hash, embedder(), lexicon, dir);
    expect(built.reused).toBe(false);
    expect(embedCalls.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(chunks.length);
    const before = embedCalls.length;
    const reopened = await HybridIndex.open(chunks, hash, embedder(), lexicon, dir);
    expect(reopened.reused).toBe(true);
    expect(embedCalls.length).toBe(before);
    // A different model means different vectors: rebuild.
    const other = await HybridIndex.open(chunks, hash, new OpenAIEmbedder({ apiKey: 'k', baseURL: url, model: 'other', timeoutMs: 2000 }), lexicon, dir);
    expect(other.reused).toBe(false);
    const [hit] = await reopened.search('vneid muc 2 lam o dau');
    expect(hit?.chunk.articleId).toMatch(/^kns-vneid/);
  });

  it('does not call the model for questions it cannot answer', async () => {
    mode = 'ok';
    const before = requests.length;
    expect((await answerer().answer('giá vàng hôm nay')).kind).toBe('out_of_scope');
    expect((await answerer().answer('ứng dụng iHanoi có dùng được ở Lai Châu không')).kind).toBe('unknown');
    expect(requests.length).toBe(before);
  });
});
