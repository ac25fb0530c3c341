/**
 * Whether two questions are the same to staff: they share most of their topic words (Jaccard ≥ 0.6), so
 * "lịch tập huấn VNeID ở bản Nậm Xe khi nào" and "lich tap huan vneid ban nam xe bao gio" are one.
 */
export function sameQuestion(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (!a.size || !b.size) return false;
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return shared / (a.size + b.size - shared) >= 0.6;
}
