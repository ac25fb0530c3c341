import path from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { KnowledgeAnswerer, LlmComposer } from './answerer.js';
import { HashingEmbedder, OpenAIEmbedder, type Embedder } from './embeddings.js';
import { HybridIndex } from './hybrid.js';
import { loadArticles } from './knowledge.js';

/** Loads knowledge/, opens (or rebuilds) the index in DATA_DIR, and returns the question answerer. */
export async function createAnswerer(config: Config, log: Logger): Promise<KnowledgeAnswerer> {
  const { articles, chunks, hash } = loadArticles(config.knowledgeDir);
  const llm = config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL, timeoutMs: config.LLM_TIMEOUT_MS } : undefined;
  const embedder: Embedder = llm && config.EMBEDDING_MODEL ? new OpenAIEmbedder({ ...llm, model: config.EMBEDDING_MODEL }) : new HashingEmbedder();
  const started = Date.now();
  const dir = path.join(config.dataDir, 'index');
  // An unreachable embeddings service must not keep the bot from starting: fall back to offline vectors.
  const index = await HybridIndex.open(chunks, hash, embedder, dir).catch((err: unknown) => {
    log.warn({ err: (err as Error).message, embedder: embedder.id }, 'embeddings failed; using the offline embedder');
    return HybridIndex.open(chunks, hash, new HashingEmbedder(), dir);
  });
  log.info({ articles: articles.length, chunks: chunks.length, embedder: index.embedderId, reused: index.reused, ms: Date.now() - started }, 'knowledge index ready');
  const composer = llm && config.LLM_MODEL ? new LlmComposer({ ...llm, model: config.LLM_MODEL }) : undefined;
  return new KnowledgeAnswerer(index, { minConfidence: config.ANSWER_MIN_CONFIDENCE, maxChars: 900, composer, log });
}
