/**
 * Probability that the best passage really answers the question: a logistic model over how much of the
 * question's topic words the passage (with its sample questions) and its article cover, hashed-vector
 * similarity to the passage and to its closest sample question, and BM25 strength. Fitted on the
 * development questions by `npm run eval -- --fit` (5-fold cross-validated); never on the held-out set.
 */
export interface ConfidenceFeatures {
  chunkWords: number;
  /** The rarest topic word the passage lacks (its idf, 0..1): a question about something else. */
  missing: number;
  /** Rare topic words found in the passage (sum of idf, in units of the largest): weak for vague or off-topic messages. */
  evidence: number;
  articleWords: number;
  articlePairs: number;
  cosine: number;
  sampleCosine: number;
  bm25: number;
  contentWords: number;
}

export const CONFIDENCE_WEIGHTS = [-2.616, 1.511, -1.443, 1.840, 0.849, 0.971, 1.001, 1.015, 0.449, -1.452];

export function confidenceInputs(f: ConfidenceFeatures): number[] {
  return [1, f.chunkWords, f.missing, Math.min(f.evidence, 3) / 3, f.articleWords, f.articlePairs, f.cosine, f.sampleCosine, Math.log1p(f.bm25), Math.min(f.contentWords, 8) / 8];
}

export function confidence(f: ConfidenceFeatures, weights = CONFIDENCE_WEIGHTS): number {
  const z = confidenceInputs(f).reduce((sum, x, i) => sum + x * weights[i]!, 0);
  return 1 / (1 + Math.exp(-z));
}
