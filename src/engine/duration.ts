// ISO-8601 durations (`PT30S`, `PT5M`, `P1D`), parsed strictly into milliseconds.

/** Units of fixed length only: years, months and weeks are refused (a month has no fixed length). */
const durationPattern = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d{1,3}))?S)?)?$/;

const msPer = { day: 86_400_000, hour: 3_600_000, minute: 60_000, second: 1_000 } as const;

/**
 * Milliseconds of an ISO-8601 duration made of days, hours, minutes and seconds (with up to three
 * decimals), e.g. `P1DT12H`, `PT1M30S`, `PT0.5S`; or a sentence saying what is wrong with it.
 */
export function parseDuration(text: string): { ok: true; ms: number } | { ok: false; problem: string } {
  const match = durationPattern.exec(text);
  const hasTimePart = text.includes('T');
  if (
    match === null ||
    text === 'P' ||
    text.endsWith('T') ||
    (hasTimePart && match[2] === undefined && match[3] === undefined && match[4] === undefined)
  ) {
    const hint = /^P.*[YW]|^P[^T]*M/.test(text) ? ' (years, months and weeks have no fixed length: use days, e.g. P30D)' : '';
    return { ok: false, problem: `is not an ISO-8601 duration such as PT30S, PT5M or P1D${hint}` };
  }
  const [, days, hours, minutes, seconds, fraction] = match;
  const ms =
    Number(days ?? 0) * msPer.day +
    Number(hours ?? 0) * msPer.hour +
    Number(minutes ?? 0) * msPer.minute +
    Number(seconds ?? 0) * msPer.second +
    Number((fraction ?? '').padEnd(3, '0'));
  if (!Number.isSafeInteger(ms)) return { ok: false, problem: 'is too long' };
  return { ok: true, ms };
}

/** The canonical ISO-8601 form of a duration in milliseconds, for messages and `GET /backups/state`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return 'PT0S';
  const days = Math.floor(ms / msPer.day);
  let rest = ms % msPer.day;
  const hours = Math.floor(rest / msPer.hour);
  rest %= msPer.hour;
  const minutes = Math.floor(rest / msPer.minute);
  rest %= msPer.minute;
  const seconds = rest / msPer.second;
  const time = `${hours > 0 ? `${hours}H` : ''}${minutes > 0 ? `${minutes}M` : ''}${seconds > 0 ? `${seconds}S` : ''}`;
  return `P${days > 0 ? `${days}D` : ''}${time === '' ? '' : `T${time}`}`;
}
