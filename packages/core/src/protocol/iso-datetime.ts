/**
 * ISO-8601 datetimes as Python writes them (`datetime.isoformat()`) and Celery reads them.
 * JS `Date` has millisecond precision; Python has microseconds. We print milliseconds padded to
 * six digits (what Python prints for the same instant) and truncate extra digits when parsing.
 */

/**
 * Formats a Date like Python's `isoformat()` of an aware UTC datetime: no fraction when the
 * milliseconds are zero, otherwise six digits. `'Z'` is what kombu 5.2's JSON encoder writes for
 * UTC; `'+00:00'` is what Celery puts in `eta`/`expires` and kombu >= 5.3 in datetime markers.
 */
export function formatPythonIsoDatetime(date: Date, utcSuffix: 'Z' | '+00:00' | '' = '+00:00'): string {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ for years 0..9999
  const millis = date.getUTCMilliseconds();
  const fraction = millis === 0 ? '' : `.${String(millis).padStart(3, '0')}000`;
  return `${iso.slice(0, 19)}${fraction}${utcSuffix}`;
}

// Extended ISO-8601 as Python's isoformat() and most other producers write it:
// date, optional time (T or space), optional fraction, optional Z or ±HH[:MM[:SS[.ffffff]]] offset.
const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(Z|z|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d+)?)?)?)?$/;

/**
 * Parses an ISO-8601 date or datetime into epoch milliseconds, or null when it is not one.
 * A value without an offset (naive) is taken as UTC: Celery runs with `enable_utc = True` by
 * default, and its naive timestamps (e.g. kombu 5.2's encoding of naive datetimes) are UTC.
 */
export function parseIsoDatetime(text: string): number | null {
  const match = ISO_DATETIME.exec(text.trim());
  if (match === null) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', offset] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const millis = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // setUTCFullYear keeps years < 100 literal, Date.UTC does not
  if (date.getUTCDate() !== day) return null; // e.g. 2023-02-29 rolled over
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime() - offsetMillis(offset);
}

function offsetMillis(offset: string | undefined): number {
  if (offset === undefined || offset === 'Z' || offset === 'z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(/:/g, '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || '0');
  const seconds = Number(digits.slice(4) || '0');
  return sign * ((hours * 60 + minutes) * 60 + seconds) * 1000;
}
