import { chord, createApp, Unrecoverable, type TaskContext } from '@tq/core';

/**
 * The demo's tasks. The app names no broker, so it runs on the embedded memory:// default;
 * main.ts (or `tq worker`) points it elsewhere with TQ_BROKER_URL / TQ_RESULT_BACKEND.
 */
export const app = createApp();

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

/** Plain work: resize an image (simulated), 5–25 ms. */
export const resizeImage = app.task('demo.resize_image', async function (this: TaskContext, imageId: number, width: number) {
  await sleep(5 + (imageId % 5) * 5, this.signal);
  return { imageId, width, height: Math.round((width * 9) / 16) };
});

/** A flaky SMTP server: every third email fails its first attempt and is retried with backoff. */
export const sendEmail = app.task(
  'demo.send_email',
  async function (this: TaskContext, to: string, messageNumber: number) {
    await sleep(3, this.signal);
    if (messageNumber % 3 === 0 && this.retries === 0) throw new Error(`SMTP 421 for ${to}: try again later`);
    return { to, delivered: true, attempts: this.retries + 1 };
  },
  { retry: { max: 3, backoff: 'exponential', delay: '100ms', jitter: true } },
);

/** A payment that fails for good on declined cards: no retry, state FAILURE. */
export const chargeCard = app.task('demo.charge_card', async (orderId: number, amountCents: number) => {
  if (orderId % 10 === 7) throw new Unrecoverable(`card declined for order ${orderId}`);
  return { orderId, charged: amountCents };
});

/** Sent with a countdown: runs no earlier than asked, from the broker's delay store. */
export const sendReminder = app.task('demo.send_reminder', (userId: number, sentAt: number) => ({ userId, delayMs: Date.now() - sentAt }));

/** Workflow step 1: fetch an album's image list (simulated), then fan out: resize each image, summarise when all are done. */
export const fetchAlbum = app.task('demo.fetch_album', async function (this: TaskContext, albumId: number, imageCount: number): Promise<AlbumSummary> {
  await sleep(30, this.signal);
  const imageIds = Array.from({ length: imageCount }, (_, index) => albumId * 1_000 + index);
  // The number of images is known only now: the task replaces itself with a chord, whose summary
  // becomes this task's result (callers waiting on fetch_album get the summary).
  return this.replace(chord(imageIds.map((imageId) => resizePhoto.si(imageId, 640)), summarizeAlbum.s(albumId)));
});

/** Workflow step 2: a slower resize (100–300 ms), so the progress bars are worth watching. */
export const resizePhoto = app.task('demo.resize_photo', async function (this: TaskContext, imageId: number, width: number) {
  await sleep(100 + (imageId % 5) * 50, this.signal);
  return { imageId, width, height: Math.round((width * 9) / 16) };
});

export interface AlbumSummary {
  albumId: number;
  images: number;
  totalPixels: number;
}

/** Workflow step 3: the chord body, run once with every resize result in order. */
export const summarizeAlbum = app.task('demo.summarize_album', (resized: Array<{ width: number; height: number }>, albumId: number): AlbumSummary => ({
  albumId,
  images: resized.length,
  totalPixels: resized.reduce((sum, image) => sum + image.width * image.height, 0),
}));
