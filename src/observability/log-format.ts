const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: 'TRACE', color: '90' },
  20: { name: 'DEBUG', color: '36' },
  30: { name: 'INFO', color: '32' },
  40: { name: 'WARN', color: '33' },
  50: { name: 'ERROR', color: '31' },
  60: { name: 'FATAL', color: '35' },
};

// Shown first, in this order, when present: what a person scans for.
const LEADING = ['workflowId', 'step', 'model', 'version'];
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'app']);

function value(v: unknown): string {
  if (typeof v === 'string') return /\s|=/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v) ?? String(v);
}

/**
 * Turns one pino JSON line into a readable terminal line: `12:04:05 WARN  message  workflowId=… step=… key=value`.
 * A line that is not JSON passes through unchanged.
 */
export function formatLine(line: string, color = false): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const level = LEVELS[record.level as number] ?? { name: String(record.level ?? ''), color: '0' };
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 19) : '';
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const keys = [...LEADING.filter((k) => k in record), ...Object.keys(record).filter((k) => !HIDDEN.has(k) && !LEADING.includes(k))];
  const fields = keys.map((k) => `${paint('2', `${k}=`)}${value(record[k])}`).join(' ');
  const msg = typeof record.msg === 'string' ? record.msg : '';
  return `${paint('90', time)} ${paint(level.color, level.name.padEnd(5))} ${msg}${fields ? `  ${fields}` : ''}\n`;
}
