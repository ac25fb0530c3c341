import type { Config } from '../config.js';
import type { Dialog } from '../core/ports.js';
import type { Broadcasts, HandoffDesk } from '../outreach/index.js';
import type { Article } from '../retrieval/knowledge.js';
import type { StaffEdits } from '../retrieval/staff-edits.js';
import type { Logger } from '../log.js';
import type { Directory } from '../participation/directory.js';
import type { Quiz } from '../quiz/bank.js';
import type { ParticipationStore, StaffStore } from '../storage/ports.js';
import type { RateLimiter } from '../scale/rate-limit.js';

export interface AdminDeps {
  config: Config;
  staff: StaffStore;
  participation: ParticipationStore;
  directory: Directory;
  /** The loaded quiz bank, for quiz titles in reports. */
  quizzes: Quiz[];
  log: Logger;
  /** Counters for login and token attempts (shared through Redis when scaled out). */
  limiter: RateLimiter;
  /** The directory holding admin/ (the dashboard files); defaults to the repository's public/. */
  publicDir?: string;
  /** Announcements and the staff's inbox (with the articles and flows buttons may lead to). */
  /** The staff loop: grouped unanswered questions, sample questions, out-of-scope marks. */
  knowledge?: StaffEdits;
  outreach?: { broadcasts: Broadcasts; desk: HandoffDesk; articles: Article[]; dialog: Dialog };
}
