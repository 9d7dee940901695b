import { randomUUID } from 'node:crypto';

/** Task ids are UUID v4 strings, like Celery's. */
export type IdGenerator = () => string;

export const uuidGenerator: IdGenerator = () => randomUUID();
