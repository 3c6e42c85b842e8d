// Numbers as k6 reads them in a threshold: Go's strconv.ParseFloat(s, 64). Its syntax (Go's
// floating-point literal, plus inf/infinity/nan): an optional sign; decimal digits with an
// optional "." and an optional e-exponent, or 0x hex digits with a mandatory p-exponent; "_"
// only between digits (or after a base prefix); nothing else, no spaces. A value beyond float64
// is a range error (k6 refuses it); one below the smallest subnormal rounds to 0.

export type GoFloat = { ok: true; value: number } | { ok: false; reason: 'syntax' | 'range' };

const SPECIAL = /^(?:([+-]?)(?:inf|infinity)|nan)$/i;

function isDigit(c: string, hex: boolean): boolean {
  return (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
}

/** Go's rule for "_": only between digits, or between a base prefix and a digit. */
function underscoresOk(s: string): boolean {
  let i = 0;
  if (s[0] === '+' || s[0] === '-') s = s.slice(1);
  let saw = '^';
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1]!)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (isDigit(c, hex)) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

export function parseGoFloat(s: string): GoFloat {
  const special = SPECIAL.exec(s);
  if (special) return { ok: true, value: /nan/i.test(s) ? Number.NaN : special[1] === '-' ? -Infinity : Infinity };
  let i = 0;
  if (s[i] === '+' || s[i] === '-') i++;
  let hex = false;
  if (i + 2 < s.length && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X')) {
    hex = true;
    i += 2;
  }
  const mantissaStart = i;
  let underscores = false;
  let sawDot = false;
  let sawDigits = false;
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (c === '_') underscores = true;
    else if (c === '.') {
      if (sawDot) break;
      sawDot = true;
    } else if (isDigit(c, hex)) sawDigits = true;
    else break;
  }
  if (!sawDigits) return { ok: false, reason: 'syntax' };
  const mantissaEnd = i;
  let exponent = '';
  if (i < s.length && (s[i] === (hex ? 'p' : 'e') || s[i] === (hex ? 'P' : 'E'))) {
    i++;
    const expStart = i;
    if (s[i] === '+' || s[i] === '-') i++;
    if (i >= s.length || s[i]! < '0' || s[i]! > '9') return { ok: false, reason: 'syntax' };
    for (; i < s.length && ((s[i]! >= '0' && s[i]! <= '9') || s[i] === '_'); i++) if (s[i] === '_') underscores = true;
    exponent = s.slice(expStart, i).replace(/_/g, '');
  } else if (hex) return { ok: false, reason: 'syntax' };
  if (underscores && !underscoresOk(s.slice(0, i))) return { ok: false, reason: 'syntax' };
  if (i !== s.length) return { ok: false, reason: 'syntax' };
  const negative = s[0] === '-';
  const mantissa = s.slice(mantissaStart, mantissaEnd).replace(/_/g, '');
  let value: number;
  if (!hex) {
    // A decimal literal JavaScript reads the same way (correctly rounded, as Go's).
    value = Number(`${mantissa}${exponent === '' ? '' : `e${exponent}`}`);
  } else {
    const [whole = '', fraction = ''] = mantissa.split('.');
    const digits = BigInt(`0x${whole + fraction || '0'}`);
    const e = Number(exponent) - 4 * fraction.length;
    value = digits === 0n ? 0 : Number(digits) * 2 ** e;
  }
  if (!Number.isFinite(value)) return { ok: false, reason: 'range' };
  return { ok: true, value: negative ? -value : value };
}
