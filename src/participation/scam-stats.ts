import type { StoredEvent } from '../storage/types.js';
import { CHANNEL_LABELS, SIGNAL_LABELS, VERDICT_LABELS } from './labels.js';

export const REPORTED_VERDICTS = ['scam', 'suspicious', 'no_sign'] as const;

/** Scam checks in a period: per channel and verdict, and how often each kind of signal was found. */
export interface ScamReport {
  total: number;
  byVerdict: Record<string, number>;
  byChannel: { channel: string; label: string; total: number; verdicts: Record<string, number> }[];
  bySignal: { signal: string; label: string; count: number }[];
  labels: { verdicts: Record<string, string> };
}

/** Counts scam_check events as the stats pass reads them (memory bounded by channels and signal kinds). */
export class ScamTally {
  private total = 0;
  private channels = new Map<string, Record<string, number>>();
  private signals = new Map<string, number>();

  add(e: StoredEvent): void {
    if (e.type !== 'scam_check') return;
    this.total++;
    const verdict = e.verdict ?? 'no_sign';
    let c = this.channels.get(e.channel);
    if (!c) this.channels.set(e.channel, (c = {}));
    c[verdict] = (c[verdict] ?? 0) + 1;
    for (const s of e.signals ?? []) this.signals.set(s, (this.signals.get(s) ?? 0) + 1);
  }

  result(channelOrder: readonly string[]): ScamReport {
    const byVerdict: Record<string, number> = Object.fromEntries(REPORTED_VERDICTS.map((v) => [v, 0]));
    for (const c of this.channels.values()) for (const [v, n] of Object.entries(c)) byVerdict[v] = (byVerdict[v] ?? 0) + n;
    const channels = [...channelOrder, ...[...this.channels.keys()].filter((c) => !channelOrder.includes(c)).sort()];
    return {
      total: this.total,
      byVerdict,
      byChannel: channels.map((channel) => {
        const verdicts = { ...Object.fromEntries(REPORTED_VERDICTS.map((v) => [v, 0])), ...this.channels.get(channel) };
        return { channel, label: CHANNEL_LABELS[channel] ?? channel, total: Object.values(verdicts).reduce((a, b) => a + b, 0), verdicts };
      }),
      bySignal: [...this.signals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([signal, count]) => ({ signal, label: SIGNAL_LABELS[signal] ?? signal, count })),
      labels: { verdicts: VERDICT_LABELS },
    };
  }
}
