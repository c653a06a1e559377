import { existsSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { EncoderError, ModelError } from '../../errors.js';
import type { BackendName } from './backend.js';
import type { BatchEncoder } from './batch-encoder.js';
import type { EncodeReply, EncodeRequest, EncoderThreadData } from './encoder-messages.js';
import { spawnEncoderThread, THREAD_SCRIPT } from './spawn-encoder-thread.js';

/** Options of {@link EncoderPool.start}. */
export interface EncoderPoolOptions {
  /** The model: a directory or an http(s) URL to model.json, as `loadModel` takes it. */
  readonly location: string;
  /**
   * Encoder threads, each with its own copy of the model.
   * @defaultValue 2
   */
  readonly threads?: number;
  /**
   * TensorFlow.js backend of the threads.
   * @defaultValue 'auto'
   */
  readonly backend?: BackendName;
  /**
   * Fold BatchNorm and the input scale at load, as `loadModel` does.
   * @defaultValue true
   */
  readonly fold?: boolean;
  /**
   * Most frames one thread encodes at once. Requests waiting together (from the jobs running
   * at the same time in a worker) are merged up to this size: one larger batch costs less
   * than several small ones.
   * @defaultValue 32
   */
  readonly maxBatchFrames?: number;
  /**
   * Frames of the batch each thread runs once on blank input when it starts, so that the first
   * real batch does not pay for setting up the backend's kernels: ideally the run's batch.
   * @defaultValue 16
   */
  readonly warmUpFrames?: number;
  /**
   * Called when a thread dies, with what happened and whether a new thread takes its place;
   * when not, the pool has given up and fails every request from then on.
   * @defaultValue none
   */
  readonly onThreadDeath?: (message: string, replaced: boolean) => void;
}

interface Request {
  readonly frames: readonly Uint8Array[];
  readonly resolve: (embeddings: Float32Array) => void;
  readonly reject: (error: unknown) => void;
}

interface Thread {
  /** The current worker: replaced when one dies. */
  worker: Worker;
  /** False while a replacement loads the model: nothing is sent to it then. */
  ready: boolean;
  /** The requests of the batch it is encoding; undefined when idle. */
  busy: Request[] | undefined;
}

/**
 * Restarts of dead threads allowed within {@link RESTART_WINDOW_MS}; one more and the pool
 * fails for good. A thread that dies again at once (memory exhausted, a model that no longer
 * loads) must not be restarted forever while every job fails.
 */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;

/**
 * The model's per-frame CNN on worker threads, so that the main thread only moves bytes:
 * reading ffmpeg's output, the recurrent head and the output go on while frames are encoded.
 * Each thread loads the model itself; a batch's pixels are packed into one buffer and handed
 * over (transferred, not copied), its embeddings come back the same way. Requests that wait
 * together are merged into one batch, so concurrent jobs of a worker share batches.
 *
 * ## Example
 * ```ts
 * const pool = await EncoderPool.start({ location: 'models/demo', threads: 2 });
 * try {
 *   const embeddings = await pool.encode(frames); // frames.length × pool.embeddingSize floats
 * } finally {
 *   await pool.close();
 * }
 * ```
 */
export class EncoderPool implements BatchEncoder {
  private readonly queue: Request[] = [];
  private failure: EncoderError | undefined;
  private closing: Promise<void> | undefined;
  private nextId = 0;
  private sent = 0;
  private asked = 0;
  /** When each restart happened (performance.now()), for the restart limit. */
  private readonly restartTimes: number[] = [];

  private constructor(
    private readonly threads: Thread[],
    readonly embeddingSize: number,
    private readonly maxBatchFrames: number,
    private readonly data: EncoderThreadData,
    private readonly onThreadDeath: ((message: string, replaced: boolean) => void) | undefined,
  ) {
    for (const thread of threads) this.watch(thread);
  }

  /**
   * Starts the threads and loads the model in each; resolves once all are ready.
   * @throws {@link ModelError} or {@link BackendError} text from a thread, as a ModelError,
   *   when the model cannot be loaded there; {@link EncoderError} when the compiled thread
   *   entry is missing (build first).
   */
  static async start(options: EncoderPoolOptions): Promise<EncoderPool> {
    const {
      threads = 2,
      backend = 'auto',
      fold = true,
      maxBatchFrames = 32,
      warmUpFrames = 16,
    } = options;
    if (!Number.isInteger(threads) || threads < 1) {
      throw new ModelError(
        'FW_ERR_MODEL_INVALID',
        `threads must be an integer >= 1, got ${threads}`,
      );
    }
    if (!existsSync(THREAD_SCRIPT)) {
      throw new EncoderError(`${THREAD_SCRIPT} is missing: run npm run build first`);
    }
    const data: EncoderThreadData = { location: options.location, backend, fold, warmUpFrames };
    const started = Array.from({ length: threads }, () => spawnEncoderThread(data));
    try {
      const sizes = await Promise.all(started.map((s) => s.ready));
      return new EncoderPool(
        started.map(({ worker }) => ({ worker, ready: true, busy: undefined })),
        sizes[0]!,
        maxBatchFrames,
        data,
        options.onThreadDeath,
      );
    } catch (error) {
      await Promise.all(started.map((s) => s.worker.terminate()));
      throw error;
    }
  }

  /** Threads that died and were started again. */
  get restarts(): number {
    return this.restartTimes.length;
  }

  /** Requests (`encode` calls with frames) so far. */
  get requests(): number {
    return this.asked;
  }

  /** Batches handed to the threads so far (requests merged into one count once). */
  get batches(): number {
    return this.sent;
  }

  /** The threads: batches that can be encoding at once. */
  get parallelism(): number {
    return this.threads.length;
  }

  /** Always: batches encode on the threads while the caller reads and labels. */
  readonly concurrent = true;

  /** Encodes `frames` on the next free thread, possibly in one batch with other requests. */
  encode(frames: readonly Uint8Array[]): Promise<Float32Array> {
    if (frames.length === 0) return Promise.resolve(new Float32Array(0));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closing !== undefined)
      return Promise.reject(new EncoderError('the encoder pool is closed'));
    this.asked++;
    return new Promise((resolve, reject) => {
      this.queue.push({ frames, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops the threads; waiting and running requests reject. A second call returns the same promise. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.rejectAll(new EncoderError('the encoder pool was closed'));
      await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
    })();
    return this.closing;
  }

  private dispatch(): void {
    for (const thread of this.threads) {
      if (this.queue.length === 0) return;
      if (!thread.ready || thread.busy !== undefined) continue;
      const taken = [this.queue.shift()!];
      let frames = taken[0]!.frames.length;
      while (
        this.queue.length > 0 &&
        frames + this.queue[0]!.frames.length <= this.maxBatchFrames
      ) {
        frames += this.queue[0]!.frames.length;
        taken.push(this.queue.shift()!);
      }
      thread.busy = taken;
      thread.worker.ref();
      const frameLength = taken[0]!.frames[0]!.length;
      const packed = new Uint8Array(frames * frameLength);
      let offset = 0;
      for (const request of taken) {
        for (const frame of request.frames) {
          packed.set(frame, offset);
          offset += frameLength;
        }
      }
      const message: EncodeRequest = { id: this.nextId++, pixels: packed.buffer, frames };
      thread.worker.postMessage(message, [packed.buffer]);
      this.sent++;
    }
  }

  private onReply(thread: Thread, reply: EncodeReply): void {
    const taken = thread.busy ?? [];
    thread.busy = undefined;
    thread.worker.unref();
    if ('error' in reply) {
      const error = new EncoderError(`encoding a batch failed: ${reply.error}`);
      for (const request of taken) request.reject(error);
    } else {
      let offset = 0;
      for (const request of taken) {
        const length = request.frames.length * this.embeddingSize;
        request.resolve(reply.embeddings.subarray(offset, offset + length));
        offset += length;
      }
    }
    this.dispatch();
  }

  /** Listens to the thread's current worker; events of a worker it replaced are ignored. */
  private watch(thread: Thread): void {
    const worker = thread.worker;
    // An idle thread never keeps the process alive; a busy one does, until its reply.
    worker.unref();
    worker.on('message', (reply: EncodeReply) => {
      // A replacement's first message says it is ready: spawnThread's promise takes it.
      if (thread.worker === worker && thread.ready) this.onReply(thread, reply);
    });
    worker.on('error', (error) => {
      if (thread.worker === worker) this.onDeath(thread, `failed: ${error.message}`);
    });
    worker.on('exit', (code) => {
      if (thread.worker === worker) this.onDeath(thread, `exited with code ${code}`);
    });
  }

  /**
   * A thread died (a crash in the backend, memory exhausted): the batch it held fails, with the
   * jobs it came from (they are retried), and a new thread takes its place; the other threads
   * and the waiting requests carry on. Too many deaths in a row fail the pool.
   */
  private onDeath(thread: Thread, how: string): void {
    if (this.closing !== undefined || this.failure !== undefined) return;
    const lost = thread.busy ?? [];
    thread.busy = undefined;
    const error = new EncoderError(`an encoder thread ${how}; its batch was lost`);
    for (const request of lost) request.reject(error);
    const now = performance.now();
    const recent = this.restartTimes.filter((t) => now - t < RESTART_WINDOW_MS).length;
    if (recent >= MAX_RESTARTS) {
      this.fail(
        `an encoder thread ${how}, the ${recent + 1}th death within ${RESTART_WINDOW_MS / 1000} s; ` +
          `restart the process, and check its memory and the model`,
      );
      this.onThreadDeath?.(this.failure!.message, false);
      return;
    }
    this.onThreadDeath?.(error.message, true);
    this.restartTimes.push(now);
    const replacement = spawnEncoderThread(this.data);
    thread.worker = replacement.worker;
    thread.ready = false;
    this.watch(thread);
    replacement.ready.then(
      () => {
        if (thread.worker !== replacement.worker) return;
        thread.ready = true;
        this.dispatch();
      },
      (cause: unknown) => {
        // A replacement that died while loading was itself replaced (or the pool gave up).
        if (thread.worker !== replacement.worker) return;
        this.fail(`an encoder thread could not be restarted: ${messageOf(cause)}`);
      },
    );
  }

  private fail(message: string): void {
    this.failure ??= new EncoderError(message);
    this.rejectAll(this.failure);
  }

  private rejectAll(error: EncoderError): void {
    for (const thread of this.threads) {
      for (const request of thread.busy ?? []) request.reject(error);
      thread.busy = undefined;
    }
    for (const request of this.queue.splice(0)) request.reject(error);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
