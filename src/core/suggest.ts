/** "Did you mean …?": the known names closest to what someone typed. */

/** Edits between two strings, a swap of neighbours counting as one (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i]!;
      const up = d[i - 1]!;
      row[j] = Math.min(up[j]! + 1, row[j - 1]! + 1, up[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidates within three edits (and closer than 60 % of their length, as commander judges
 * command names), the closest first; else those that contain what was typed (`node1` for
 * `futuswarm-node1`). Case does not count.
 */
export function suggestSimilar(typed: string, candidates: readonly string[]): string[] {
  const word = typed.toLowerCase();
  const scored = [...new Set(candidates)]
    .map((c) => ({ c, d: editDistance(word, c.toLowerCase()), length: Math.max(word.length, c.length) }))
    .filter((x) => x.d > 0 && x.d <= 3 && (x.length - x.d) / x.length > 0.4);
  if (scored.length > 0) {
    const best = Math.min(...scored.map((x) => x.d));
    return scored.filter((x) => x.d === best).map((x) => x.c).sort();
  }
  if (word.length < 3) return [];
  return candidates.filter((c) => c.toLowerCase().includes(word) && c.toLowerCase() !== word).sort();
}

/** ` (did you mean a?)`, ` (did you mean a or b?)`, or nothing. */
export function didYouMean(typed: string, candidates: readonly string[]): string | undefined {
  const similar = suggestSimilar(typed, candidates).slice(0, 3);
  if (similar.length === 0) return undefined;
  return `did you mean ${similar.length === 1 ? similar[0] : `${similar.slice(0, -1).join(', ')} or ${similar.at(-1)}`}?`;
}
