import type { EventType, FeedbackReason } from '../core/ports.js';

/**
 * Every name staff read for a number, in one place: the dashboard (through the stats API), the CSV and the XLSX
 * use these and no other, so that "Bài kiểm tra hoàn thành" is one thing wherever it is shown.
 */

export const METRIC_LABELS = {
  reached: 'Người được tiếp cận',
  webSessions: 'Phiên trò chuyện trên web',
  participants: 'Người tham gia đã đăng ký',
  answered: 'Câu hỏi đã trả lời',
  unanswered: 'Câu hỏi chưa trả lời được',
  quizStarted: 'Lượt bắt đầu bài kiểm tra',
  quizCompleted: 'Bài kiểm tra hoàn thành',
  quizPassed: 'Bài kiểm tra đạt',
  passRate: 'Tỷ lệ đạt',
  averagePercent: 'Điểm trung bình',
  registrations: 'Lượt đăng ký',
  feedbackHelpful: 'Đánh giá hữu ích',
  feedbackUnhelpful: 'Đánh giá chưa hữu ích',
  scamChecks: 'Lượt kiểm tra tin lừa đảo',
} as const;
export type Metric = keyof typeof METRIC_LABELS;

/** What each metric counts, for the notes under the XLSX table and the dashboard's hints. */
export const METRIC_NOTES: Partial<Record<Metric, string>> = {
  reached: 'số lượt người bắt đầu trò chuyện với chatbot qua Zalo, Messenger, Telegram trong kỳ (kể cả người chưa đăng ký).',
  webSessions: 'số lần bắt đầu trò chuyện trên trang web; trình duyệt tự tạo mã nên một người có thể có nhiều phiên, vì vậy không cộng vào số người được tiếp cận.',
  participants: 'số người đã đồng ý cho lưu thông tin và có hoạt động trong kỳ, mỗi người chỉ đếm một lần (dòng tổng cũng vậy, nên không bằng tổng các dòng trên).',
  quizCompleted: 'số bài kiểm tra đã làm xong.',
  quizPassed: 'số bài đạt yêu cầu.',
  scamChecks: 'số tin nhắn, ảnh chụp màn hình người dân gửi để hỏi "có phải lừa đảo không" (chỉ đếm kết luận, không lưu nội dung tin hay ảnh).',
};
METRIC_NOTES.passRate = `${METRIC_LABELS.quizPassed} / ${METRIC_LABELS.quizCompleted}.`;

/** The columns of the yearly-report table, in the dashboard's, the CSV's and the XLSX's order. */
export const REPORT_METRICS = ['participants', 'reached', 'answered', 'unanswered', 'quizCompleted', 'quizPassed', 'passRate', 'registrations', 'scamChecks'] as const satisfies readonly Metric[];

export const DIMENSION_LABELS = { organisation: 'Tổ chức', unit: 'Xã/phường', channel: 'Kênh', quiz: 'Bài kiểm tra', day: 'Ngày' } as const;

/** The last row of a table: the whole period, people counted once. */
export const TOTAL_LABEL = 'Tổng cộng';
/** Row label for events recorded without consent (no organisation). */
export const UNREGISTERED = 'Chưa đăng ký';
/** Column label for registered people whose commune is not known. */
export const UNKNOWN_UNIT = 'Chưa rõ xã/phường';

export const EVENT_LABELS: Record<EventType, string> = {
  contact: 'Liên hệ lần đầu',
  question_answered: METRIC_LABELS.answered,
  question_unanswered: METRIC_LABELS.unanswered,
  quiz_started: 'Bắt đầu bài kiểm tra',
  quiz_completed: 'Hoàn thành bài kiểm tra',
  registration: 'Đăng ký tham gia',
  feedback_helpful: METRIC_LABELS.feedbackHelpful,
  feedback_unhelpful: METRIC_LABELS.feedbackUnhelpful,
  scam_check: 'Kiểm tra tin lừa đảo',
};

/** A scam check's verdict, as staff read it (the citizen's wording, shortened). */
export const VERDICT_LABELS: Record<string, string> = {
  scam: 'Rõ ràng là lừa đảo', suspicious: 'Có dấu hiệu đáng ngờ', no_sign: 'Chưa thấy dấu hiệu',
};

/** The kinds of scam signal, as staff read them (the check's own wording for citizens is in knowledge/scam-signals.yaml). */
export const SIGNAL_LABELS: Record<string, string> = {
  fake_link: 'Đường link giả', short_link: 'Link rút gọn', link: 'Đường link lạ', secret: 'Đòi mã OTP, mật khẩu, số thẻ',
  money: 'Đòi chuyển tiền, nộp phí', threat: 'Dọa dẫm, hối thúc', bait: 'Mồi nhử: trúng thưởng, việc nhẹ lương cao',
  impersonation: 'Mạo danh cơ quan, ngân hàng', app_or_chat: 'Dụ cài ứng dụng, chuyển sang Zalo',
};

/** Headings of the scam-check tables (dashboard and XLSX). */
export const SCAM_LABELS = { title: 'Kiểm tra tin lừa đảo', verdict: 'Kết luận', signal: 'Dấu hiệu lừa đảo', count: 'Số lượt' } as const;

export const CHANNEL_LABELS: Record<string, string> = {
  zalo: 'Zalo', messenger: 'Messenger', telegram: 'Telegram', web: 'Web', botframework: 'Bot Framework',
};

/** The staff table of "Chưa hữu ích" reasons. */
export const FEEDBACK_LABELS: { topic: string; reasons: Record<FeedbackReason, string>; total: string } = {
  topic: 'Bài viết đã trả lời', reasons: { topic: 'Sai chủ đề', long: 'Dài quá', unclear: 'Khó hiểu' }, total: 'Số góp ý',
};
