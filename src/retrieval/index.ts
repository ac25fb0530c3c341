import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { Lexicon } from '../text/lexicon.js';
import { KnowledgeAnswerer, LlmComposer } from './answerer.js';
import { ConversationRules } from './conversation.js';
import { HashingEmbedder, OpenAIEmbedder, type Embedder } from './embeddings.js';
import { HybridIndex } from './hybrid.js';
import { loadArticles } from './knowledge.js';
import { ScopeModel } from './scope-model.js';
import { Directory } from '../participation/directory.js';

/** Loads knowledge/ (articles, lexicon, conversation rules, scope examples), opens (or rebuilds) the index in DATA_DIR, and returns the answerer. */
export async function createAnswerer(config: Config, log: Logger): Promise<{ answerer: KnowledgeAnswerer; index: HybridIndex }> {
  const { articles, chunks, hash } = loadArticles(config.knowledgeDir);
  const lexicon = Lexicon.load(config.knowledgeDir);
  const rules = ConversationRules.load(config.knowledgeDir, lexicon);
  const places = Directory.load(config.knowledgeDir).placeNames();
  const scope = ScopeModel.load(config.knowledgeDir, lexicon, chunks, rules.declinePatterns(), places);
  // The lexicon shapes the vectors too: a change to it rebuilds them.
  const contentHash = crypto.createHash('sha256').update(hash).update(fs.readFileSync(path.join(config.knowledgeDir, 'lexicon.yaml'))).digest('hex');
  const llm = config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL, timeoutMs: config.LLM_TIMEOUT_MS } : undefined;
  const offline = new HashingEmbedder(lexicon);
  const embedder: Embedder = llm && config.EMBEDDING_MODEL ? new OpenAIEmbedder({ ...llm, model: config.EMBEDDING_MODEL }) : offline;
  const started = Date.now();
  const dir = path.join(config.dataDir, 'index');
  // An unreachable embeddings service must not keep the bot from starting: fall back to offline vectors.
  const index = await HybridIndex.open(chunks, contentHash, embedder, lexicon, dir, places).catch((err: unknown) => {
    log.warn({ err: (err as Error).message, embedder: embedder.id }, 'embeddings failed; using the offline embedder');
    return HybridIndex.open(chunks, contentHash, offline, lexicon, dir, places);
  });
  scope.speller = (w) => index.spelling(w);
  log.info({ articles: articles.length, chunks: chunks.length, embedder: index.embedderId, reused: index.reused, ms: Date.now() - started }, 'knowledge index ready');
  const composer = llm && config.LLM_MODEL ? new LlmComposer({ ...llm, model: config.LLM_MODEL }) : undefined;
  return { answerer: new KnowledgeAnswerer(index, rules, chunks, { minConfidence: config.ANSWER_MIN_CONFIDENCE, composer, log, scope }), index };
}
