// "Did you mean": the known names within a few edits of what was written (a typo), for keys and variables alike.

/** The names of `known` close enough to `written` to be what was meant (Levenshtein ≤ max(2, length/4)). */
export function closest(written: string, known: Iterable<string>): string[] {
  return [...new Set(known)].filter((k) => k !== written && distance(k, written) <= Math.max(2, Math.floor(k.length / 4)));
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > Math.max(a.length, b.length) / 2 + 2) return Infinity; // far apart: skip the table
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}
