/**
 * `npm test`'s second part: runs the tests that exercise ffmpeg again with every other ffmpeg
 * build installed here (FFMPEG_PATH set to it), so that behaviour holds for each build users run
 * — the bundled 4.1, Debian's 5.1, their own — not only for the one `findFfmpeg` picks first.
 * `.ci/run` installs Debian's ffmpeg, so CI runs both. With one build installed, it says so.
 */
import { spawnSync } from 'node:child_process';
import { ffmpegCandidates, findFfmpeg } from '../src/decode/find-ffmpeg.js';
import { packageRoot } from '../src/model/load/bundled-model.js';

/** The tests whose outcome depends on the ffmpeg build: decoding, errors, live, the CLI. */
const FFMPEG_TESTS = [
  'test/integration/decode',
  'test/integration/live',
  'test/integration/label-cli.test.ts',
  'test/integration/label-exactness.test.ts',
  'test/hostile',
];

/**
 * Left out of the second run: they measure framewise's own pacing over a minute of stream time
 * (soak, overload), not how an ffmpeg build behaves, and would add minutes.
 */
const PACING_TESTS = ['**/live-soak.test.ts', '**/live-overload.test.ts'];

const env = { ...process.env };
delete env['FFMPEG_PATH'];
const first = await findFfmpeg(env);
const seen = new Set([first.path]);
let status = 0;
for (const { origin, path } of await ffmpegCandidates(env)) {
  if (seen.has(path)) continue;
  seen.add(path);
  let build: string;
  try {
    build = (await findFfmpeg({ ...env, FFMPEG_PATH: path })).version;
  } catch {
    process.stderr.write(`== ${path} (${origin}) does not run; not tested\n`);
    continue;
  }
  process.stderr.write(
    `== the ffmpeg tests again with ffmpeg ${build} (${origin}, ${path}); the first run had ` +
      `${first.version} (${first.origin})\n`,
  );
  const excluded = PACING_TESTS.flatMap((glob) => ['--exclude', glob]);
  const run = spawnSync('npx', ['vitest', 'run', ...FFMPEG_TESTS, ...excluded], {
    cwd: packageRoot(),
    env: { ...env, FFMPEG_PATH: path },
    stdio: 'inherit',
  });
  if (run.status !== 0) status = 1;
}
if (seen.size === 1) {
  process.stderr.write(
    `== one ffmpeg build here (${first.version}, ${first.origin}); install another ` +
      '(apt-get install ffmpeg) to run the ffmpeg tests on both, as .ci/run does\n',
  );
}
process.exit(status);
