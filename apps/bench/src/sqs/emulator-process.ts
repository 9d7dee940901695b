import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('./emulator-main.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../../../node_modules/.bin/tsx', import.meta.url));

/**
 * local-aws-sqs in a process of its own, so the emulator (the bottleneck being measured against)
 * does not share the benchmark's event loop. Resolves once it listens; kill the child to stop it.
 */
export async function startEmulatorProcess(port: number): Promise<ChildProcess> {
  const child = spawn(tsx, [entry, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`SQS emulator exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve();
    });
  });
  return child;
}
