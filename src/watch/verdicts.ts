/**
 * What the enforcement of hand edits decided about each version of a ticket, for the plugins
 * that must not take a refused version for a real change (the audit trail records it as a
 * refusal, never as the event it tried to make). Keyed by ticket and content hash; a plugin
 * that asks before the decision waits for it (at most VERDICT_WAIT_MS, then 'unjudged'). Each
 * decision is answered once (the audit trail is the one plugin that asks).
 */
import { contentHash } from '../store/receipts.js';

export type Verdict =
  | { kind: 'accepted'; by?: string }
  /** Refused and undone: `what` the edit tried (e.g. "hand claim"), by whom, what became of it. */
  | { kind: 'refused'; what: string; author: string | null; action: string }
  /** Not judged: the file changed again before its turn (the newer version is). */
  | { kind: 'superseded' }
  /** No enforcement runs, or it did not answer in time. */
  | { kind: 'unjudged' };

export const VERDICT_WAIT_MS = 30_000;
const KEEP_MS = 120_000;

export class Verdicts {
  private readonly known = new Map<string, { v: Verdict; at: number }>();
  private readonly waiting = new Map<string, Array<(v: Verdict) => void>>();

  constructor(private readonly enabled: () => boolean) {}

  set(id: string, raw: string, v: Verdict): void {
    const key = `${id}:${contentHash(raw)}`;
    this.known.set(key, { v, at: Date.now() });
    for (const r of this.waiting.get(key) ?? []) r(v);
    this.waiting.delete(key);
    if (this.known.size > 2048) for (const [k, x] of this.known) if (Date.now() - x.at > KEEP_MS) this.known.delete(k);
  }

  get(id: string, raw: string): Promise<Verdict> {
    if (!this.enabled()) return Promise.resolve({ kind: 'unjudged' });
    const key = `${id}:${contentHash(raw)}`;
    const k = this.known.get(key);
    if (k) {
      this.known.delete(key); // one answer per decision (a ticket deleted twice is decided twice)
      return Promise.resolve(k.v);
    }
    return new Promise((resolve) => {
      const list = this.waiting.get(key) ?? [];
      list.push(resolve);
      this.waiting.set(key, list);
      const t = setTimeout(() => resolve({ kind: 'unjudged' }), VERDICT_WAIT_MS);
      t.unref?.();
    });
  }

  /** Stop: everyone waiting gets 'unjudged'. */
  close(): void {
    for (const list of this.waiting.values()) for (const r of list) r({ kind: 'unjudged' });
    this.waiting.clear();
  }
}
