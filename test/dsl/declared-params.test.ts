/** A step's params schema is read by shape, so a schema built with another copy of zod still receives pipeline params. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { declaredParams } from '../../activities/step-support.js';

describe('declaredParams', () => {
  it('reads the keys of a zod object', () => {
    expect(declaredParams(z.object({ trees: z.number(), depth: z.number().optional() }))).toEqual(['trees', 'depth']);
  });

  it('reads the keys of an object schema that is not an instance of this zod (another copy of the package)', () => {
    // What a second copy of zod 4 hands over: the same shape, a prototype this copy's ZodObject is not.
    const foreign = Object.create({ safeParse: () => ({ success: true, data: {} }) }, { shape: { get: () => ({ trees: {} }) } });
    expect(foreign instanceof z.ZodObject).toBe(false);
    expect(declaredParams(foreign)).toEqual(['trees']);
  });

  it('declares nothing for a schema that is not an object', () => {
    expect(declaredParams(z.record(z.string(), z.number()))).toEqual([]);
    expect(declaredParams(undefined)).toEqual([]);
  });
});
