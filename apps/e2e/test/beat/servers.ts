import { deleteRedisKeysUnder, dropPostgresSchemas } from '../support/shared-servers.js';

export { REDIS_URL, POSTGRES_URL, pingRedis, pingPostgres } from '../support/shared-servers.js';

/** Remove a test's Redis namespace. */
export function deleteRedisKeys(prefix: string): Promise<void> {
  return deleteRedisKeysUnder(prefix);
}

/** Remove a test's Postgres schema. */
export function dropSchema(schema: string): Promise<void> {
  return dropPostgresSchemas([schema]);
}
