/** What `GET /readyz` answers, as its JSON body. */
export interface ReadinessReport {
  /** True when the worker can take jobs: the model is loaded and Redis answers. */
  readonly ready: boolean;
  /** The model is loaded. */
  readonly model: boolean;
  /** Redis answers on the worker's connection. */
  readonly redis: boolean;
  /** The worker is shutting down (it takes no new jobs; a Kubernetes pod is terminating). */
  readonly stopping: boolean;
}

/**
 * The worker's readiness as it starts and stops: not ready until its model is loaded and Redis
 * answers, not ready again once it shuts down. The Redis check is a function so that it reflects
 * the connection at each probe, not at start-up only.
 */
export class Readiness {
  private model = false;
  private stopping = false;
  private redis: () => boolean = () => false;

  /** The model is loaded. */
  modelLoaded(): void {
    this.model = true;
  }

  /** From now on, Redis counts as answering when `check` says so. */
  redisCheck(check: () => boolean): void {
    this.redis = check;
  }

  /** The worker is shutting down: not ready from now on. */
  stop(): void {
    this.stopping = true;
  }

  /** The state now. */
  report(): ReadinessReport {
    const redis = this.redis();
    return {
      ready: this.model && redis && !this.stopping,
      model: this.model,
      redis,
      stopping: this.stopping,
    };
  }
}
