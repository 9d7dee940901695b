import { createServer, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createRequestHandler } from 'local-aws-sqs';

/**
 * local-aws-sqs, the in-process SQS emulator that speaks the current SQS JSON protocol, on a
 * loopback port. Used by this package's tests, apps/e2e and apps/bench; run this file to keep one up
 * for the demo:
 *
 *   npx tsx packages/broker-sqs/scripts/sqs-emulator.ts [port]     # default 9324
 *   AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \
 *     TQ_BROKER_URL='sqs://127.0.0.1:9324?waitTimeSeconds=1' …
 */
export interface SqsEmulator {
  /** e.g. http://127.0.0.1:40123 */
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Dummy credentials for the emulator (it checks none), set only where unset: the SDK's default chain reads them. */
export function useEmulatorCredentials(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_ACCESS_KEY_ID ??= 'test';
  env.AWS_SECRET_ACCESS_KEY ??= 'test';
  env.AWS_REGION ??= 'us-east-1';
}

export async function startSqsEmulator(port = 0): Promise<SqsEmulator> {
  // No 60 s wait before re-creating a deleted queue name: tests use fresh names anyway.
  const { service, requestHandler } = createRequestHandler({ port, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  const server = createServer((request, response) => {
    addressQueryRequestByPath(request)
      .then((routed) => requestHandler(routed, response))
      .catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  // The emulator builds queue URLs from this, so they point at the port actually bound.
  service.PORT = actualPort;
  return {
    endpoint: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * SQS's query protocol (form-encoded `Action=…`, XML answers: botocore before 1.31, kombu 5.2's async
 * client) may address a queue by POSTing to the queue URL instead of passing a `QueueUrl` parameter;
 * kombu 5.2's Celery worker receives that way. local-aws-sqs only reads the parameter, and answers
 * NonExistentQueue otherwise (EMULATOR_GAPS.queryRequestsAddressedByPath). So, for such a request,
 * supply the parameter from the path, as SQS itself does. JSON-protocol requests pass untouched.
 */
async function addressQueryRequestByPath(request: IncomingMessage): Promise<IncomingMessage> {
  const path = new URL(request.url ?? '/', 'http://emulator').pathname;
  if (request.method !== 'POST' || path === '/' || request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') !== true) return request;
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  if (!form.has('QueueUrl')) form.set('QueueUrl', `http://${request.headers.host ?? '127.0.0.1'}${path}`);
  // The emulator reads only the headers and the body stream of the request it is given.
  return Object.assign(Readable.from([Buffer.from(form.toString())]), { headers: request.headers, method: request.method, url: request.url }) as unknown as IncomingMessage;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const emulator = await startSqsEmulator(Number(process.argv[2] ?? 9324));
  console.log(`SQS emulator (local-aws-sqs) listening on ${emulator.endpoint}; Ctrl-C to stop.`);
  console.log(`Try: AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 TQ_BROKER_URL='sqs://127.0.0.1:${emulator.port}?waitTimeSeconds=1'`);
  process.on('SIGINT', () => void emulator.close().then(() => process.exit(0)));
}
