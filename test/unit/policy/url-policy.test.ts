import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkError, UrlRefusedError, isUserError } from '../../../src/errors.js';
import type { HostLookup } from '../../../src/policy/check-url-host.js';
import { privateAddressKind } from '../../../src/policy/private-address.js';
import { checkInput, redactUrl, type UrlPolicy } from '../../../src/policy/url-policy.js';

// Stands in for DNS: known names answer with fixed addresses, anything else fails like
// getaddrinfo does for an unknown name.
const DNS: Readonly<Record<string, readonly string[]>> = {
  'example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
  'intranet.example': ['10.0.0.5'],
  'split.example': ['93.184.216.34', '192.168.1.10'],
  'rebind.example': ['::ffff:169.254.169.254'],
  'empty.example': [],
};

const lookup: HostLookup = async (host) => {
  const addresses = DNS[host];
  if (addresses === undefined) {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  }
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

// A UrlRefusedError whose message matches, or contains, `message`.
const refused = (message: RegExp | string = /^refused /): unknown =>
  expect.objectContaining({
    name: 'UrlRefusedError',
    code: 'FW_ERR_URL_REFUSED',
    permanent: true,
    message:
      typeof message === 'string'
        ? expect.stringContaining(message)
        : expect.stringMatching(message),
  });

describe('checkInput', () => {
  let dir: string;
  let root: string;
  let policy: UrlPolicy;

  beforeAll(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'fw-url-policy-')));
    root = join(dir, 'media');
    await mkdir(join(root, 'clips'), { recursive: true });
    await mkdir(join(dir, 'media2'));
    await writeFile(join(root, 'clips', 'a.mp4'), 'video');
    await writeFile(join(dir, 'outside.mp4'), 'video');
    await writeFile(join(dir, 'media2', 'b.mp4'), 'video');
    await symlink(join(dir, 'outside.mp4'), join(root, 'escape.mp4'));
    await symlink(join(root, 'clips', 'a.mp4'), join(root, 'inside-link.mp4'));
    policy = { mediaRoots: [root], allowPrivate: false, lookup };
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('local files', () => {
    it('admits a file under a media root, opened by ffmpeg as file:<real path>', async () => {
      const path = join(root, 'clips', 'a.mp4');
      await expect(checkInput(path, policy)).resolves.toEqual({
        input: path,
        ffmpegInput: `file:${path}`,
        inputArgs: ['-protocol_whitelist', 'file'],
        kind: 'file',
      });
    });

    it('makes a relative path absolute against cwd', async () => {
      const checked = await checkInput('clips/a.mp4', policy, root);
      expect(checked.input).toBe(join(root, 'clips', 'a.mp4'));
      expect(checked.ffmpegInput).toBe(`file:${join(root, 'clips', 'a.mp4')}`);
    });

    it('admits a file:// URL under a media root and stores its path', async () => {
      const checked = await checkInput(`file://${root}/clips/a.mp4`, policy);
      expect(checked).toMatchObject({ input: join(root, 'clips', 'a.mp4'), kind: 'file' });
    });

    it('gives ffmpeg the target of a symlink that stays inside the root', async () => {
      const checked = await checkInput(join(root, 'inside-link.mp4'), policy);
      expect(checked.ffmpegInput).toBe(`file:${join(root, 'clips', 'a.mp4')}`);
    });

    it('refuses every local file when no media root is set', async () => {
      await expect(checkInput('/etc/passwd', { ...policy, mediaRoots: [] })).rejects.toEqual(
        refused(
          'refused file /etc/passwd: local files must lie under a --media-root (none is set); start the worker with --media-root DIR',
        ),
      );
    });

    it('refuses file:///etc/passwd and a path outside the root', async () => {
      await expect(checkInput('file:///etc/passwd', policy)).rejects.toEqual(
        refused(/^refused file file:\/\/\/etc\/passwd: it is not under a media root \(/),
      );
      await expect(checkInput(join(dir, 'outside.mp4'), policy)).rejects.toEqual(
        refused(/not under a media root .*; copy it under a media root, or add its directory/),
      );
    });

    it('refuses a .. path that leaves the root, relative or absolute', async () => {
      await expect(checkInput(`${root}/clips/../../outside.mp4`, policy)).rejects.toEqual(
        refused(/not under a media root/),
      );
      await expect(checkInput('../outside.mp4', policy, root)).rejects.toEqual(
        refused(/not under a media root/),
      );
    });

    it('refuses a symlink under the root that leads out of it', async () => {
      await expect(checkInput(join(root, 'escape.mp4'), policy)).rejects.toEqual(
        refused(`it resolves to ${dir}/outside.mp4, which is not under a media root`),
      );
    });

    it('compares whole path segments: a sibling sharing the prefix is not under the root', async () => {
      await expect(checkInput(join(dir, 'media2', 'b.mp4'), policy)).rejects.toEqual(refused());
    });

    it('reports a missing file under the root as not found', async () => {
      await expect(checkInput(join(root, 'nope.mp4'), policy)).rejects.toMatchObject({
        code: 'FW_ERR_INPUT_NOT_FOUND',
      });
    });

    it('refuses a file: URL naming another machine', async () => {
      await expect(checkInput('file://fileserver/share/a.mp4', policy)).rejects.toEqual(
        refused(/a file: URL must name a path on this machine/),
      );
    });
  });

  describe('malformed inputs and schemes', () => {
    it.each([
      ['', /^refused input "": it is empty/],
      ['-i', /^refused input -i: it starts with "-"/],
      ['-f lavfi', /starts with "-"/],
      ['clip\u0000.mp4', /^refused input "clip\\u0000.mp4": it contains control characters/],
      ['http://example.com/a\nb', /control characters/],
    ])('refuses %j', async (input, message) => {
      await expect(checkInput(input, policy, root)).rejects.toEqual(refused(message));
    });

    it.each([
      'concat:a|b',
      'subfile:,,start,0,end,0,:/etc/passwd',
      'data:text/plain,hi',
      'pipe:0',
      'ftp://example.com/a.mp4',
      'tcp://example.com:80',
      'udp://example.com:1234',
      'crypto:file:/etc/passwd',
      'gopher://example.com/',
      'rtmpt://example.com/live',
    ])('refuses the scheme of %s', async (input) => {
      const scheme = input.slice(0, input.indexOf(':'));
      await expect(checkInput(input, policy)).rejects.toEqual(
        refused(`: the ${scheme}: scheme is not allowed; use an http, https, rtsp`),
      );
    });

    it('refuses hls+http: and names the plain URL to use instead', async () => {
      await expect(checkInput('hls+http://example.com/live.m3u8', policy)).rejects.toEqual(
        refused(
          'refused URL hls+http://example.com/live.m3u8: the hls+http: scheme is not allowed; use the plain URL http://example.com/live.m3u8',
        ),
      );
    });

    it('refuses a URL without a host', async () => {
      await expect(checkInput('rtsp:///stream', policy)).rejects.toEqual(
        refused(/it has no valid host/),
      );
    });
  });

  describe('network hosts', () => {
    it.each([
      ['http://127.0.0.1:8080/x', 'its host 127.0.0.1 is a loopback address'],
      ['http://[::1]/x', 'its host ::1 is a loopback address'],
      ['http://169.254.169.254/latest/meta-data', '169.254.169.254 is a cloud metadata address'],
      ['http://[fd00:ec2::254]/latest', 'is a cloud metadata address'],
      ['http://2130706433/', 'its host 127.0.0.1 is a loopback address'],
      ['http://0x7f.1/', 'its host 127.0.0.1 is a loopback address'],
      ['http://[::ffff:127.0.0.1]/', 'is a loopback address'],
      ['rtsp://2130706433/stream', 'its host 127.0.0.1 is a loopback address'],
      ['rtmp://10.1.2.3/live', 'its host 10.1.2.3 is a private address'],
      ['rtsp://[fe80::1]/stream', 'is a link-local address'],
      ['http://100.64.0.1/', 'is a carrier-grade NAT address'],
      ['http://0.0.0.0:6379/', 'is an unspecified address'],
      ['http://[64:ff9b::a00:1]/', 'is a private address'],
    ])('refuses %s', async (input, reason) => {
      await expect(checkInput(input, policy)).rejects.toEqual(
        refused(`${reason}; use a public host, or start the worker with --allow-private`),
      );
    });

    it('refuses a name that resolves to a private address', async () => {
      await expect(checkInput('https://intranet.example/v.m3u8', policy)).rejects.toEqual(
        refused(/its host intranet.example resolves to 10.0.0.5, a private address;/),
      );
    });

    it('refuses a name when any one of its addresses is private', async () => {
      await expect(checkInput('http://split.example/', policy)).rejects.toEqual(
        refused(/resolves to 192.168.1.10, a private address/),
      );
      await expect(checkInput('http://rebind.example/', policy)).rejects.toEqual(
        refused(/resolves to ::ffff:169.254.169.254, a cloud metadata address/),
      );
    });

    it('admits an HLS playlist on a public host, with the http whitelist', async () => {
      await expect(checkInput('https://example.com/v.m3u8', policy)).resolves.toEqual({
        input: 'https://example.com/v.m3u8',
        ffmpegInput: 'https://example.com/v.m3u8',
        inputArgs: ['-protocol_whitelist', 'http,tcp,tls,https,crypto,httpproxy'],
        kind: 'https',
      });
    });

    it('admits a camera URL with credentials on a public address', async () => {
      await expect(checkInput('rtsp://user:pw@203.0.113.7:554/stream', policy)).resolves.toEqual({
        input: 'rtsp://user:pw@203.0.113.7:554/stream',
        ffmpegInput: 'rtsp://user:pw@203.0.113.7:554/stream',
        // RTSP over TCP only: the server's Transport reply cannot send ffmpeg elsewhere.
        inputArgs: ['-protocol_whitelist', 'rtsp,rtp,srtp,udp,tcp', '-rtsp_transport', 'tcp'],
        kind: 'rtsp',
      });
    });

    it.each([
      ['rtsp://user:pw@cam.example:8554/live?x=1', 'rtsp://user:pw@93.184.216.34:8554/live?x=1'],
      ['rtmp://live.example/app/key', 'rtmp://93.184.216.34/app/key'],
    ])(
      'pins %s to the address it checked, so a second DNS answer cannot move it',
      async (input, pinned) => {
        const checked = await checkInput(input, {
          ...policy,
          lookup: async () => [{ address: '93.184.216.34', family: 4 }],
        });
        expect(checked.input).toBe(input);
        expect(checked.ffmpegInput).toBe(pinned);
      },
    );

    it('leaves an http(s) URL as given: the egress proxy resolves and pins it', async () => {
      const checked = await checkInput('https://video.example/a.m3u8', {
        ...policy,
        lookup: async () => [{ address: '93.184.216.34', family: 4 }],
      });
      expect(checked.ffmpegInput).toBe('https://video.example/a.m3u8');
    });

    it('gives ffmpeg the normalised URL, so both parsers agree on the host', async () => {
      const checked = await checkInput('HTTP://Example.COM\\@127.0.0.1/a b', policy);
      expect(checked.ffmpegInput).toBe('http://example.com/@127.0.0.1/a%20b');
    });

    it.each([
      ['http://example.com/a.mp4', 'http', 'http,tcp,tls,https,crypto,httpproxy'],
      ['rtsps://example.com/s', 'rtsps', 'rtsps,rtsp,rtp,srtp,udp,tcp,tls'],
      ['rtmp://example.com/live/key', 'rtmp', 'rtmp,tcp'],
    ])('whitelists only the protocols %s needs', async (input, kind, whitelist) => {
      await expect(checkInput(input, policy)).resolves.toMatchObject({
        kind,
        inputArgs: ['-protocol_whitelist', whitelist],
      });
    });

    it('with allowPrivate, admits private hosts but keeps the scheme rules and whitelist', async () => {
      const open = { ...policy, allowPrivate: true };
      await expect(checkInput('http://127.0.0.1:8080/x', open)).resolves.toMatchObject({
        inputArgs: ['-protocol_whitelist', 'http,tcp,tls,https,crypto,httpproxy'],
      });
      await expect(checkInput('concat:a|b', open)).rejects.toEqual(refused());
      await expect(checkInput('/etc/passwd', open)).rejects.toEqual(refused());
    });

    it('treats a DNS failure as a transient NetworkError, not a refusal', async () => {
      const failure = checkInput('http://user:secret@unknown.example/x', policy);
      await expect(failure).rejects.toBeInstanceOf(NetworkError);
      await expect(failure).rejects.toMatchObject({
        code: 'FW_ERR_NETWORK',
        permanent: false,
        message: expect.stringMatching(
          /^cannot resolve host unknown.example of http:\/\/user:\*\*\*@/,
        ),
      });
      await expect(checkInput('http://empty.example/', policy)).rejects.toBeInstanceOf(
        NetworkError,
      );
    });

    it('never puts the password into a refusal message', async () => {
      const error: unknown = await checkInput('rtsp://admin:hunter2@10.0.0.9/s', policy).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(UrlRefusedError);
      expect(isUserError(error)).toBe(true);
      expect((error as Error).message).toContain('rtsp://admin:***@10.0.0.9/s');
      expect((error as Error).message).not.toContain('hunter2');
    });
  });
});

describe('redactUrl', () => {
  it.each([
    ['rtsp://user:secret@cam.local:554/s', 'rtsp://user:***@cam.local:554/s'],
    ['rtsp://user:p@ss@cam/s?a=b@c', 'rtsp://user:***@cam/s?a=b@c'],
    ['http://user@host/', 'http://user@host/'],
    ['http://host:8080/a@b', 'http://host:8080/a@b'],
    ['/media/a:b@c.mp4', '/media/a:b@c.mp4'],
    ['hls+http://u:pw@h/x.m3u8', 'hls+http://u:***@h/x.m3u8'],
  ])('redacts %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });
});

describe('privateAddressKind', () => {
  it.each([
    ['8.8.8.8', undefined],
    ['2606:4700::1', undefined],
    ['::ffff:8.8.8.8', undefined],
    ['172.32.0.1', undefined],
    ['172.31.255.255', 'private'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['224.0.0.251', 'multicast'],
    ['ff02::1', 'multicast'],
    ['fc00::1', 'unique-local'],
    ['fe80::1%eth0', 'link-local'],
    ['::7f00:1', 'loopback'],
    ['2002:a00:1::1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'cloud metadata'],
    ['not-an-ip', 'invalid'],
  ])('classifies %s as %s', (address, kind) => {
    expect(privateAddressKind(address)).toBe(kind);
  });
});
