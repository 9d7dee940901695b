/**
 * tq priorities (0 lowest … 255 highest, ADR 0001) on a queue declared with `x-max-priority: max`:
 * the 256 values fall in `max + 1` equal bands, band b published as AMQP priority b. The exact tq
 * value travels in the `tq_priority` header; a bare AMQP priority p (a Celery producer's) reads
 * back as the top of its band scaled to 0..255, so re-publishing it keeps its band.
 */
export class PriorityBands {
  readonly levels: number;

  constructor(readonly maxPriority: number) {
    this.levels = maxPriority + 1;
  }

  bandOf(tqPriority: number): number {
    return Math.min(this.maxPriority, Math.floor((tqPriority * this.levels) / 256));
  }

  tqPriorityOf(amqpPriority: number): number {
    const band = Math.min(this.maxPriority, Math.max(0, Math.trunc(amqpPriority)));
    return Math.min(255, Math.ceil(((band + 1) * 256) / this.levels) - 1);
  }
}
