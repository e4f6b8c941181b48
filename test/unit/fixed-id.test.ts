/**
 * Fixed recado ids are on disk (inboxes of every board): the one hasher must give exactly the
 * ids the board gave before it existed. Expected values computed with the formulas it replaced.
 */
import { describe, expect, it } from 'vitest';
import { announcementId } from '../../src/core/announce.js';
import { fixedRecadoId } from '../../src/core/fixed-id.js';
import { refusalRecadoId } from '../../src/core/refusal.js';
import { expiryRecadoId } from '../../src/watch/leases.js';

describe('fixed recado ids', () => {
  it('announcements keep their ids', () => {
    expect(announcementId('wave', 'wave 2 open', ['A:2026-01-01T00:00:00Z', 'B:2026-01-02T00:00:00Z'])).toBe(
      'board-wave-wave-2-open-64c293eaf001ffcb',
    );
  });
  it('refused edits keep their ids', () => {
    expect(refusalRecadoId('20261121T100000123Z-T-4k9x.md')).toBe('board-refused-082e6b325945d60a54273d93');
  });
  it('expired leases keep their ids', () => {
    const claim = { by: 'alice', at: '2026-11-21T10:00:00Z', expires: '2026-11-21T10:30:00Z' };
    expect(expiryRecadoId('T-4k9x', claim)).toBe('board-expired-837d3514ec8f35e1120b8ad6');
  });
  it('differ when any part differs, and parts do not run into each other', () => {
    expect(fixedRecadoId('k', ['a', 'bc'])).not.toBe(fixedRecadoId('k', ['ab', 'c']));
    expect(fixedRecadoId('k', ['a'])).toMatch(/^board-k-[0-9a-f]{24}$/);
  });
});
