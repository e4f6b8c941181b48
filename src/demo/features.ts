/**
 * Which of the watcher's optional reactions a running watcher has, from the names of its
 * plugins (`.board/run/watcher.json` `plugins`). The demo shows a reaction when its plugin is
 * there, and says what it expected otherwise.
 */
export interface Features {
  /** Hand edits that break the rules are undone (and the author told). */
  enforce: boolean;
  /** Leases that run out are expired (and the holder told). */
  leases: boolean;
  /** Waves that open and tickets that become ready are announced on hand edits. */
  announce: boolean;
  /** Board changes are committed to the audit branch. */
  audit: boolean;
  /** Agents' conversations are poked (tmux, notify command). */
  notify: boolean;
}

export function featuresOf(plugins: readonly string[]): Features {
  const has = (re: RegExp) => plugins.some((p) => re.test(p));
  return {
    enforce: has(/enforce|edit|rule|guard/i),
    leases: has(/lease|expir/i),
    announce: has(/wave|announce/i),
    audit: has(/git|audit|commit/i),
    notify: has(/notify/i),
  };
}
