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
