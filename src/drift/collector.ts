import { sharedFloat64 } from './sort.js';

const PART_VALUES = 1 << 16;

/** A growing column of doubles in fixed-size parts, concatenated once into shared memory (for parallel sorting). */
export class Collector {
  private readonly parts: Float64Array[] = [];
  private part = new Float64Array(PART_VALUES);
  private used = 0;
  private total = 0;

  /** Appends the valid values of one vector (validity: DuckDB's bit mask, null when every value is valid). */
  add(values: Float64Array, validity: Uint8Array | null): void {
    if (validity === null) {
      let from = 0;
      while (from < values.length) {
        const take = Math.min(values.length - from, PART_VALUES - this.used);
        this.part.set(values.subarray(from, from + take), this.used);
        this.used += take;
        from += take;
        if (this.used === PART_VALUES) this.flush();
      }
      return;
    }
    for (let i = 0; i < values.length; i++) {
      if ((validity[i >>> 3]! >>> (i & 7)) & 1) {
        this.part[this.used++] = values[i]!;
        if (this.used === PART_VALUES) this.flush();
      }
    }
  }

  finish(): Float64Array {
    const out = sharedFloat64(this.total + this.used);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    out.set(this.part.subarray(0, this.used), at);
    return out;
  }

  private flush(): void {
    this.parts.push(this.part);
    this.total += this.used;
    this.part = new Float64Array(PART_VALUES);
    this.used = 0;
  }
}
