import { createSqsServer } from 'local-aws-sqs';

/**
 * Entry point of the benchmark's emulator process (started by emulator-process.ts): local-aws-sqs
 * on 127.0.0.1:<port>, until the parent kills it. Prints "listening" once it accepts requests.
 */
const port = Number(process.argv[2]);
// No 60 s wait before re-creating a deleted queue name: every measurement uses fresh names anyway.
await createSqsServer({ port, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
console.log(`SQS emulator (local-aws-sqs) listening on http://127.0.0.1:${port}`);
