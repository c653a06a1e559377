/**
 * The value of one sample in a Prometheus text exposition: `series` is the metric name with its
 * labels exactly as exposed (`framewise_jobs_total{outcome="completed"}`); undefined if absent.
 */
export function sampleValue(exposition: string, series: string): number | undefined {
  for (const line of exposition.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/** GETs `path` of a worker's metrics server on loopback. */
export async function getFromWorker(
  port: number,
  path: string,
): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}
