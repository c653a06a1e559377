import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

const SCRIPT = fileURLToPath(new URL('../fixtures/rtsp/rtsp-camera.py', import.meta.url));
/** Debian's Python: the one GStreamer's bindings (python3-gi) are installed for. */
const PYTHON = '/usr/bin/python3';
const PACKAGES = 'python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good';

/**
 * A live RTSP camera stand-in (test/fixtures/rtsp/rtsp-camera.py, GStreamer's RTSP server):
 * a test pattern at 25 fps on `rtsp://127.0.0.1:<port>/cam`, TCP only.
 */
export class RtspCameraServer {
  private child: ChildProcess | undefined;
  private port = 0;

  /** Starts the server; resolves once it listens. */
  async start(): Promise<void> {
    this.port = await freePort();
    const child = spawn(PYTHON, [SCRIPT, String(this.port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let output = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (output += text));
    await new Promise<void>((resolve, reject) => {
      const onData = (text: string) => {
        output += text;
        if (!output.includes('ready')) return;
        child.off('exit', onExit);
        resolve();
      };
      const onExit = () => {
        child.stdout!.off('data', onData);
        reject(
          new Error(
            `the RTSP camera stand-in did not start (${output.trim()}); it needs Debian's ` +
              `${PACKAGES} (.ci/run installs them)`,
          ),
        );
      };
      child.stdout!.setEncoding('utf8').on('data', onData);
      child.once('exit', onExit);
    });
  }

  /** The camera's URL. */
  get url(): string {
    return `rtsp://127.0.0.1:${this.port}/cam`;
  }

  /** Stops the server. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}
