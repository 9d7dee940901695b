/**
 * kombu's two matchers for `pattern` + `matcher` in a control request: `glob` is Python's fnmatch
 * (`*`, `?`, `[seq]`, `[!seq]`, whole name), `pcre` is `re.match` (anchored at the start only).
 * An unknown matcher or a pattern that does not compile matches nothing, rather than everything.
 */
export function hostnameMatches(hostname: string, pattern: string, matcher: string | undefined): boolean {
  const regex = matcher === undefined || matcher === 'glob' ? globToRegExp(pattern) : matcher === 'pcre' ? pcreToRegExp(pattern) : undefined;
  return regex?.test(hostname) ?? false;
}

function pcreToRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${pattern})`, 'u');
  } catch {
    return undefined;
  }
}

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i] as string;
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) {
        source += '\\[';
        continue;
      }
      let set = pattern.slice(i + 1, end);
      const negated = set.startsWith('!');
      if (negated) set = set.slice(1);
      source += `[${negated ? '^' : ''}${set.replace(/[\\\]^]/gu, '\\$&')}]`;
      i = end;
    } else source += char.replace(/[.*+?^${}()|[\]\\/]/gu, '\\$&');
  }
  return new RegExp(`^${source}$`, 'su');
}
