import type { Dialog } from '../core/ports.js';
import type { ParticipationStore } from '../storage/ports.js';
import type { Profile } from '../storage/types.js';
import { vnDateLabel, vnDay } from './stats.js';
import type { Directory } from './directory.js';

export const MY_DATA_TEXTS = [
  'data.show', 'data.not_set', 'data.quiz_result', 'data.quiz_passed', 'data.quiz_failed', 'data.quiz_code', 'data.quiz_none', 'data.quiz_more',
] as const;

const SHOWN_RESULTS = 10;

/** "Dữ liệu của tôi": everything kept about the person, including their quiz results (what they care about). */
export async function myDataText(
  deps: { dialog: Dialog; store: ParticipationStore; directory: Directory; quizTitles: ReadonlyMap<string, string> },
  profile: Profile,
  /** Other things kept about the person (a subscription, a conversation with staff), one line each. */
  more: string[] = [],
): Promise<string> {
  const { dialog, store, directory, quizTitles } = deps;
  const notSet = dialog.text('data.not_set');
  const results = await store.quizResults(profile.userKey, SHOWN_RESULTS + 1);
  const lines = results.slice(0, SHOWN_RESULTS).map((r) => dialog.text('data.quiz_result', {
    date: vnDateLabel(vnDay(r.at)), title: quizTitles.get(r.quizId) ?? r.quizId, score: r.score, total: r.total,
    verdict: dialog.text(r.passed ? 'data.quiz_passed' : 'data.quiz_failed'),
    code: r.code ? dialog.text('data.quiz_code', { code: r.code }) : '',
  }));
  if (results.length > SHOWN_RESULTS) lines.push(dialog.text('data.quiz_more', { n: SHOWN_RESULTS }));
  const unit = profile.unit ? directory.units.find((u) => u.name === profile.unit)?.label ?? profile.unit : notSet;
  return dialog.text('data.show', {
    consent: vnDateLabel(vnDay(profile.consentAt)), organisation: profile.organisation ?? notSet, unit,
    quizzes: lines.length ? lines.map((l) => `\n  – ${l}`).join('') : ` ${dialog.text('data.quiz_none')}`, key: profile.userKey,
    more: more.map((l) => `\n${l}`).join(''),
  });
}
