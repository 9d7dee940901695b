/**
 * A Python-style repr of a JSON value, as Celery puts `saferepr(args)` into events and monitors show
 * it: `[2, 'a', None, True]`, `{'k': 1}`. Long values are cut at `maxLength` with '...'.
 */
export function pythonRepr(value: unknown, maxLength = 1024): string {
  const text = repr(value, 0);
  return text.length > maxLength ? `${text.slice(0, maxLength - 3)}...` : text;
}

function repr(value: unknown, depth: number): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'inf' : value < 0 ? '-inf' : 'nan';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'bigint') return value.toString();
  if (depth > 32) return '...';
  if (Array.isArray(value)) return `[${value.map((item) => repr(item, depth + 1)).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([key, item]) => `${quote(key)}: ${repr(item, depth + 1)}`)
      .join(', ')}}`;
  }
  return quote(String(value));
}

/** Python's choice: single quotes unless the text has one and no double quote. */
function quote(text: string): string {
  const useDouble = text.includes("'") && !text.includes('"');
  const q = useDouble ? '"' : "'";
  const escaped = text.replace(/\\/gu, '\\\\').replace(/\n/gu, '\\n').replace(/\r/gu, '\\r').replace(/\t/gu, '\\t');
  return `${q}${useDouble ? escaped : escaped.replaceAll("'", "\\'")}${q}`;
}
