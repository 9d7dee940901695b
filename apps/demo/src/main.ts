import { Worker } from '@tq/worker';
import type { AsyncResult, TaskState } from '@tq/core';
import { importAdapter } from './adapters.js';
import { startProgress } from './progress.js';
import { app, chargeCard, resizeImage, sendEmail, sendReminder } from './tasks.js';
import { runWorkflows } from './workflow.js';

const brokerUrl = process.env.TQ_BROKER_URL;
const backendUrl = process.env.TQ_RESULT_BACKEND;
const scale = Math.max(1, Number(process.env.TQ_DEMO_SCALE ?? 1));
const REMINDER_DELAY_MS = 1_500;

interface Sent {
  kind: string;
  result: AsyncResult<unknown>;
  expectFailure: boolean;
}

async function main(): Promise<void> {
  await importAdapter('broker', brokerUrl);
  await importAdapter('backend', backendUrl);
  if (brokerUrl !== undefined) app.configure({ broker: brokerUrl });
  if (backendUrl !== undefined) app.configure({ backend: backendUrl });

  const worker = new Worker(app, { concurrency: 20, logLevel: 'silent' });
  await worker.start();
  console.log(`tq demo — broker ${app.broker.displayUrl}, results ${app.backend?.displayUrl}, worker concurrency ${worker.concurrency}`);

  const sent: Sent[] = [];
  const started = Date.now();
  for (let i = 0; i < 120 * scale; i++) sent.push({ kind: 'resize_image', result: await resizeImage.delay(i, 320 + (i % 4) * 320), expectFailure: false });
  for (let i = 0; i < 90 * scale; i++) sent.push({ kind: 'send_email', result: await sendEmail.delay(`user${i}@example.com`, i), expectFailure: false });
  for (let i = 0; i < 60 * scale; i++) sent.push({ kind: 'charge_card', result: await chargeCard.delay(i, 1_000 + i), expectFailure: i % 10 === 7 });
  for (let i = 0; i < 30 * scale; i++) {
    sent.push({ kind: 'send_reminder', result: await sendReminder.applyAsync([i, Date.now()], { countdown: REMINDER_DELAY_MS }), expectFailure: false });
  }
  console.log(`sent ${sent.length} tasks in ${Date.now() - started} ms (resize_image, send_email with retries, charge_card with failures, send_reminder with a ${REMINDER_DELAY_MS} ms countdown)`);

  const stopProgress = startProgress(worker, sent.length);
  const outcomes = await Promise.all(
    sent.map(async (item) => {
      const value = await item.result.get({ timeout: 60_000, propagate: false });
      return { ...item, value, state: await item.result.state() };
    }),
  );
  stopProgress();
  const elapsedMs = Date.now() - started;
  const workflowsOk = await runWorkflows(worker);
  await worker.stop();
  await app.close();

  const kinds = [...new Set(outcomes.map((outcome) => outcome.kind))];
  console.log('\n  task            sent  succeeded  failed');
  for (const kind of kinds) {
    const rows = outcomes.filter((outcome) => outcome.kind === kind);
    const count = (state: TaskState): number => rows.filter((row) => row.state === state).length;
    console.log(`  ${kind.padEnd(14)} ${String(rows.length).padStart(5)} ${String(count('SUCCESS')).padStart(10)} ${String(count('FAILURE')).padStart(7)}`);
  }
  const reminderDelays = outcomes.filter((o) => o.kind === 'send_reminder').map((o) => (o.value as { delayMs: number }).delayMs);
  const wrong = outcomes.filter((o) => (o.state === 'FAILURE') !== o.expectFailure || (o.state !== 'SUCCESS' && o.state !== 'FAILURE'));
  console.log(`\n  ${worker.stats.retried} retries (flaky SMTP), ${outcomes.filter((o) => o.state === 'FAILURE').length} declined cards failed as expected`);
  console.log(`  reminders ran ${Math.min(...reminderDelays)}–${Math.max(...reminderDelays)} ms after sending (countdown ${REMINDER_DELAY_MS} ms)`);
  console.log(`  ${outcomes.length} tasks in ${(elapsedMs / 1_000).toFixed(2)} s`);
  const early = reminderDelays.filter((delay) => delay < REMINDER_DELAY_MS).length;
  if (wrong.length > 0 || early > 0 || !workflowsOk) {
    console.error(`\nUNEXPECTED: ${wrong.length} tasks ended in the wrong state, ${early} reminders ran early${workflowsOk ? '' : ', a workflow summary is wrong'}`);
    process.exitCode = 1;
  } else {
    console.log('\nAll tasks ended as expected.');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
