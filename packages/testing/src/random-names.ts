import { randomBytes } from 'node:crypto';

/** A short random suffix, so suites can share a real Redis or RabbitMQ without seeing each other. */
export function randomSuffix(): string {
  return randomBytes(6).toString('hex');
}

export function randomNamespace(): string {
  return `tq-conformance-${randomSuffix()}`;
}
