import { integer, text } from './option.js';

/** Highest TCP port number. */
const MAX_PORT = 65_535;

/** Where `framewise serve` listens and who may use it. */
export const SERVE_OPTIONS = {
  port: integer('port', {
    min: 0,
    max: MAX_PORT,
    default: 8080,
    valueName: '<port>',
    help: 'TCP port of the dashboard; 0 picks a free one (printed)',
  }),
  host: text('host', {
    pattern: /^[\w.:-]{1,255}$/,
    rule: 'a host name or IP address',
    default: '127.0.0.1',
    valueName: '<host>',
    help: 'address to listen on; any but a loopback address needs --token',
  }),
  token: text('token', {
    pattern: /^[\x21-\x7e]{16,256}$/,
    rule: '16 to 256 printable characters without spaces',
    valueName: '<token>',
    help: 'required on every request: Authorization: Bearer <token>, or open the page once with ?token=<token>',
    defaultText: 'none: loopback only',
  }),
};
