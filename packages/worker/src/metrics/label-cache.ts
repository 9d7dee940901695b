import type { Counter, Histogram } from 'prom-client';

type Child<M> = M extends Counter ? ReturnType<Counter['labels']> : ReturnType<Histogram['labels']>;

/**
 * prom-client hashes a label object on every inc()/observe(); a worker does that several times per
 * task. The bound child per (task, queue) is looked up once and kept.
 */
export class LabelCache<M extends Counter | Histogram> {
  private readonly children = new Map<string, Child<M>>();

  constructor(private readonly metric: M) {}

  get(task: string, queue: string): Child<M> {
    const key = `${task}\u0000${queue}`;
    let child = this.children.get(key);
    if (child === undefined) {
      child = (this.metric as Counter).labels({ task, queue }) as Child<M>;
      this.children.set(key, child);
    }
    return child;
  }
}
