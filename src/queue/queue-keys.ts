/** Name of the BullMQ queue every client and worker shares. */
export const QUEUE_NAME = 'videos';

/** The Redis Stream holding a job's labels, one entry per label. */
export function labelsKey(prefix: string, jobId: string): string {
  return `${prefix}:labels:${jobId}`;
}

/** Set by `framewise cancel`: a worker that picks the job up fails it at once. */
export function cancelKey(prefix: string, jobId: string): string {
  return `${prefix}:cancel:${jobId}`;
}

/** Pub/sub channel on which `framewise cancel` tells the workers to stop a running job. */
export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}

/** Hash of the running workers, by BullMQ worker name: what each says of itself (JSON). */
export function workersKey(prefix: string): string {
  return `${prefix}:workers`;
}
