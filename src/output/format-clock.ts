const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;

/**
 * A time as a clock reading to the millisecond: `MM:SS.mmm` below an hour, `H:MM:SS.mmm` from
 * an hour on, e.g. `00:03.200` and `1:02:03.456`.
 *
 * @param seconds - A time in seconds, >= 0; negative values print as 0.
 */
export function formatClock(seconds: number): string {
  // Round once to whole milliseconds so 59.9996 s reads 01:00.000, not 00:60.000.
  const total = Math.max(0, Math.round(seconds * MS_PER_SECOND));
  const hours = Math.floor(total / MS_PER_HOUR);
  const minutes = Math.floor((total % MS_PER_HOUR) / MS_PER_MINUTE);
  const secs = Math.floor((total % MS_PER_MINUTE) / MS_PER_SECOND);
  const ms = total % MS_PER_SECOND;
  const clock = `${pad(minutes, 2)}:${pad(secs, 2)}.${pad(ms, 3)}`;
  return hours > 0 ? `${hours}:${clock}` : clock;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
