/**
 * Error types of framewise. Every error carries a stable `code`; code branches on `instanceof`
 * or `code`, never on message text. Messages say what was expected, what was received and what
 * to do.
 */

/** Stable error codes. Each kind of failure has one; they never change meaning. */
export type FramewiseErrorCode =
  | 'FW_ERR_USAGE'
  | 'FW_ERR_INPUT_NOT_FOUND'
  | 'FW_ERR_NOT_A_VIDEO'
  | 'FW_ERR_NO_VIDEO_STREAM'
  | 'FW_ERR_CORRUPT_INPUT'
  | 'FW_ERR_UNKNOWN_PROTOCOL'
  | 'FW_ERR_INPUT_TOO_LARGE'
  | 'FW_ERR_URL_REFUSED'
  | 'FW_ERR_NETWORK'
  | 'FW_ERR_FFMPEG_NOT_FOUND'
  | 'FW_ERR_FFMPEG_FAILED'
  | 'FW_ERR_MODEL_NOT_FOUND'
  | 'FW_ERR_MODEL_INVALID'
  | 'FW_ERR_UNSUPPORTED_MODEL'
  | 'FW_ERR_BACKEND_UNAVAILABLE'
  | 'FW_ERR_ABORTED'
  | 'FW_ERR_ENCODER_FAILED'
  | 'FW_ERR_REDIS_UNAVAILABLE';

/** Options common to every framewise error. */
export interface FramewiseErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
}

/** Base class of every error framewise throws on purpose. */
export class FramewiseError extends Error {
  readonly code: FramewiseErrorCode;
  /**
   * True when retrying the same work cannot succeed (bad input, bad model, refused URL); the
   * queue fails such jobs at once instead of retrying them.
   */
  readonly permanent: boolean;

  constructor(
    code: FramewiseErrorCode,
    message: string,
    permanent: boolean,
    options: FramewiseErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.permanent = permanent;
  }
}

/** Bad command-line usage or a bad option value. CLI exit status 2. */
export class UsageError extends FramewiseError {
  constructor(message: string, options?: FramewiseErrorOptions) {
    super('FW_ERR_USAGE', message, true, options);
  }
}

/** Codes of {@link InputError}: the input itself is bad and retrying will not help. */
export type InputErrorCode =
  | 'FW_ERR_INPUT_NOT_FOUND'
  | 'FW_ERR_NOT_A_VIDEO'
  | 'FW_ERR_NO_VIDEO_STREAM'
  | 'FW_ERR_CORRUPT_INPUT'
  | 'FW_ERR_UNKNOWN_PROTOCOL'
  | 'FW_ERR_INPUT_TOO_LARGE';

/** The input (file or URL) cannot be labeled as given. CLI exit status 2. */
export class InputError extends FramewiseError {
  constructor(code: InputErrorCode, message: string, options?: FramewiseErrorOptions) {
    super(code, message, true, options);
  }
}

/**
 * The URL policy refused an input: a scheme it does not allow, a host that is not public, or a
 * local file outside every media root. Permanent: the same input is refused again. CLI exit
 * status 2.
 */
export class UrlRefusedError extends FramewiseError {
  constructor(message: string, options?: FramewiseErrorOptions) {
    super('FW_ERR_URL_REFUSED', message, true, options);
  }
}

/** A network failure reaching a stream URL; may succeed on retry. CLI exit status 1. */
export class NetworkError extends FramewiseError {
  constructor(message: string, options?: FramewiseErrorOptions) {
    super('FW_ERR_NETWORK', message, false, options);
  }
}

/** ffmpeg is missing or failed for a reason that is not the input's fault. CLI exit status 1. */
export class FfmpegError extends FramewiseError {
  constructor(
    code: 'FW_ERR_FFMPEG_NOT_FOUND' | 'FW_ERR_FFMPEG_FAILED',
    message: string,
    options?: FramewiseErrorOptions,
  ) {
    super(code, message, code === 'FW_ERR_FFMPEG_NOT_FOUND', options);
  }
}

/** The model cannot be loaded or does not fit what framewise runs. CLI exit status 2. */
export class ModelError extends FramewiseError {
  constructor(
    code: 'FW_ERR_MODEL_NOT_FOUND' | 'FW_ERR_MODEL_INVALID' | 'FW_ERR_UNSUPPORTED_MODEL',
    message: string,
    options?: FramewiseErrorOptions,
  ) {
    super(code, message, true, options);
  }
}

/** A requested TensorFlow.js backend or ONNX Runtime cannot be used here. CLI exit status 2. */
export class BackendError extends FramewiseError {
  constructor(message: string, options?: FramewiseErrorOptions) {
    super('FW_ERR_BACKEND_UNAVAILABLE', message, true, options);
  }
}

/** Redis cannot be reached or refuses us (wrong password, TLS mismatch). CLI exit status 1. */
export class RedisUnavailableError extends FramewiseError {
  constructor(message: string, options?: FramewiseErrorOptions) {
    super('FW_ERR_REDIS_UNAVAILABLE', message, false, options);
  }
}

/**
 * An encoder thread failed or died (out of memory, a crash in the backend): the batch is lost,
 * the job may succeed when retried. CLI exit status 1.
 */
export class EncoderError extends FramewiseError {
  constructor(message: string, options?: FramewiseErrorOptions) {
    super('FW_ERR_ENCODER_FAILED', message, false, options);
  }
}

/** Work stopped because its AbortSignal fired. */
export class AbortError extends FramewiseError {
  constructor(message = 'the operation was aborted', options?: FramewiseErrorOptions) {
    super('FW_ERR_ABORTED', message, false, options);
  }
}

/**
 * True for errors whose CLI exit status is 2: the user gave something wrong and can fix it.
 */
export function isUserError(error: unknown): boolean {
  return (
    error instanceof UsageError ||
    error instanceof InputError ||
    error instanceof UrlRefusedError ||
    error instanceof ModelError ||
    error instanceof BackendError
  );
}
