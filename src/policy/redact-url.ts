// The password is what follows the first `:` of the userinfo, up to the last `@` before the
// path: WHATWG URL and ffmpeg both split the authority there, so a password containing `@` is
// hidden whole.
const USERINFO_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/?#:]*):[^/?#]*@/i;

/**
 * Hides the password of a URL's userinfo (`rtsp://user:secret@cam/` becomes
 * `rtsp://user:***@cam/`) so the URL can go into logs and error messages. Works on the text as
 * given, so it also redacts inputs that are not valid URLs; anything without a password is
 * returned unchanged.
 *
 * @param input - A URL or any other input string.
 * @returns The input with its password, if any, replaced by `***`.
 */
export function redactUrl(input: string): string {
  return input.replace(USERINFO_PASSWORD, '$1:***@');
}

/** Characters that end a URL's authority within a line of text. */
const AUTHORITY_END = new Set([' ', '\t', '\n', '\r', '"', '/', '?', '#']);

/**
 * Hides the password of every URL in a line of text (a log line, an error message, a stack):
 * after each `scheme://`, the userinfo's text from its first `:` to the last `@` before the
 * authority ends (whitespace, a quote, `/`, `?` or `#`), as {@link redactUrl} splits it. Runs in
 * time linear in the line's length whatever it holds, as it runs on every log line.
 *
 * @param text - Any text.
 * @returns The text with each URL password replaced by `***`.
 */
export function redactUrlsInText(text: string): string {
  let out = '';
  let copied = 0;
  for (let at = text.indexOf('://'); at !== -1; at = text.indexOf('://', at + 3)) {
    if (!schemeBefore(text, at)) continue;
    let end = at + 3;
    while (end < text.length && !AUTHORITY_END.has(text[end]!) && text[end] !== ':') {
      if (text[end] === '@') break;
      end++;
    }
    if (text[end] !== ':') continue;
    const colon = end;
    while (end < text.length && !AUTHORITY_END.has(text[end]!)) end++;
    const lastAt = text.lastIndexOf('@', end - 1);
    if (lastAt <= colon) continue;
    out += `${text.slice(copied, colon + 1)}***`;
    copied = lastAt;
    at = lastAt - 2;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Whether `scheme://` ends at `at`: letters, digits, +, . and - before it, one a letter. */
function schemeBefore(text: string, at: number): boolean {
  for (let i = at - 1; i >= 0 && /[a-z0-9+.-]/i.test(text[i]!); i--) {
    if (/[a-z]/i.test(text[i]!)) return true;
  }
  return false;
}
