/**
 * Python's `json.dumps` with its defaults (`separators=(', ', ': ')`, `ensure_ascii=True`,
 * keys in insertion order), which is how tensorflowjs_converter writes model.json. Python
 * distinguishes `1` from `1.0`; JavaScript does not, so floats are marked with {@link pyFloat}.
 */

/** A number Python holds as a float: printed with `repr` (`0.0`, `1e-07`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** Marks `value` as a Python float. */
export function pyFloat(value: number): PyFloat {
  return new PyFloat(value);
}

/** A JSON-like value whose numbers are Python ints unless wrapped in {@link PyFloat}. */
export type PyJson =
  null | boolean | number | string | PyFloat | PyJson[] | { [key: string]: PyJson };

/** Serialises `value` exactly as Python's `json.dumps(value)` would. */
export function pythonJson(value: PyJson): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isInteger(value))
      throw new TypeError(`${value} is not an int: wrap floats in pyFloat`);
    return String(value);
  }
  if (value instanceof PyFloat) return floatRepr(value.value);
  if (typeof value === 'string') return stringRepr(value);
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  const entries = Object.entries(value).map(([k, v]) => `${stringRepr(k)}: ${pythonJson(v)}`);
  return `{${entries.join(', ')}}`;
}

/**
 * Python's `repr(float)`: the shortest digits that round-trip (as JavaScript's), written in
 * fixed notation for decimal exponents -4…15 and as `d.ddde-XX` (two-digit exponent at least)
 * otherwise; a whole number keeps `.0`.
 */
function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = x.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exponent < -4 || exponent >= 16) {
    const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exponent).toString().padStart(2, '0');
    return `${sign}${body}e${exponent < 0 ? '-' : '+'}${e}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1);
  return `${sign}${whole}.${fraction === '' ? '0' : fraction}`;
}

/** A JSON string as Python writes it with `ensure_ascii=True`. */
function stringRepr(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || code > 0x7e) out += utf16Escapes(ch);
    else out += ch;
  }
  return `${out}"`;
}

function utf16Escapes(ch: string): string {
  let out = '';
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}
