import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, withLogBindings } from '../../src/log.js';
import { formatLine } from '../../src/observability/log-format.js';

describe('structured logs', () => {
  it('write one JSON object per line carrying the bindings of the surrounding context', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const logger = createLogger(sink, 'info');
    await withLogBindings({ workflowId: 'w-7', step: 'train' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      withLogBindings({ model: 'penguins', version: 3 }, () => logger.info({ rows: 10 }, 'trained'));
    });
    logger.info('outside');
    const [inside, outside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inside).toMatchObject({ msg: 'trained', workflowId: 'w-7', step: 'train', model: 'penguins', version: 3, rows: 10, app: 'ferry', level: 30 });
    expect(outside).not.toHaveProperty('workflowId');
  });

  it('read as one short line in a terminal: time, level, message, then the run fields first', () => {
    const json = JSON.stringify({ level: 40, time: Date.UTC(2025, 0, 2, 12, 4, 5), pid: 1, hostname: 'h', app: 'ferry', msg: 'retrying', rows: 2, step: 'train', workflowId: 'w-7', note: 'two words' });
    expect(formatLine(json)).toBe('12:04:05 WARN  retrying  workflowId=w-7 step=train rows=2 note="two words"\n');
    expect(formatLine(json, true)).toContain('\x1b[33mWARN \x1b[0m');
    expect(formatLine('not json')).toBe('not json\n');
  });
});
