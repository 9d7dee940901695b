import { requireServer } from '@tq/testing';
import { AMQP_URL, POSTGRES_URL, pingPostgres, pingRabbitMq } from '../support/shared-servers.js';

/** The shared servers the Postgres e2e tests use (never restarted or emptied; each test has its own schema, prefix or queue). */
export { AMQP_URL, POSTGRES_URL, dropPostgresSchemas as dropSchemas } from '../support/shared-servers.js';

/** requireServer's verdict for the shared PostgreSQL. */
export function postgresReady(): Promise<boolean> {
  return requireServer('PostgreSQL 127.0.0.1:5432 (database test)', () => pingPostgres(POSTGRES_URL));
}

/** requireServer's verdict for the shared RabbitMQ. */
export function rabbitReady(): Promise<boolean> {
  return requireServer('RabbitMQ 127.0.0.1:5672', () => pingRabbitMq(AMQP_URL));
}

/** A schema name for a test namespace (hyphens are fine quoted, but plain names read better in psql). */
export function schemaFor(namespace: string): string {
  return namespace.replaceAll('-', '_');
}

