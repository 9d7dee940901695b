import type { Worker } from '@tq/worker';
import { fetchAlbum, type AlbumSummary } from './tasks.js';

const ALBUMS = [
  { albumId: 1, images: 40 },
  { albumId: 2, images: 25 },
  { albumId: 3, images: 60 },
];

/**
 * The canvas part of the demo: per album, fetch → resize every image (a group) → a chord into a
 * summary, with one progress line per album that a person can watch fill up.
 */
export async function runWorkflows(worker: Worker): Promise<boolean> {
  console.log('\nworkflow: fetch_album → resize_photo ×N (group) → summarize_album (chord body)');
  const resized = new Map<number, number>(ALBUMS.map(({ albumId }) => [albumId, 0]));
  const summarized = new Set<number>();
  const onSucceeded = ({ name, result }: { name: string; result: unknown }): void => {
    if (name === 'demo.resize_photo') {
      const albumId = Math.floor((result as { imageId: number }).imageId / 1_000);
      if (resized.has(albumId)) resized.set(albumId, resized.get(albumId)! + 1);
    }
    if (name === 'demo.summarize_album') summarized.add((result as AlbumSummary).albumId);
  };
  worker.on('task-succeeded', onSucceeded);
  const tty = process.stdout.isTTY === true;
  const render = (): string =>
    ALBUMS.map(({ albumId, images }) => {
      const done = resized.get(albumId)!;
      const bar = '█'.repeat(Math.round((done / images) * 20)).padEnd(20, '·');
      return `  album ${albumId} [${bar}] resized ${String(done).padStart(2)}/${images}${summarized.has(albumId) ? ' · summary ✓' : ''}`;
    }).join('\n');
  let ticks = 0;
  // Redrawn in place on a terminal; printed every half second otherwise (CI logs).
  const timer = setInterval(() => {
    if (tty) process.stdout.write(`\x1b[${ALBUMS.length}A\r${render()}\n`);
    else if (++ticks % 5 === 0) console.log(render());
  }, 100);
  if (tty) console.log(render());

  const started = Date.now();
  const results = await Promise.all(ALBUMS.map(({ albumId, images }) => fetchAlbum.delay(albumId, images)));
  const summaries = await Promise.all(results.map((result) => result.get({ timeout: 60_000 })));
  clearInterval(timer);
  worker.off('task-succeeded', onSucceeded);
  for (const summary of summaries) summarized.add(summary.albumId);
  if (tty) process.stdout.write(`\x1b[${ALBUMS.length}A\r${render()}\n`);
  else console.log(render());

  for (const summary of summaries) console.log(`  album ${summary.albumId}: ${summary.images} images, ${summary.totalPixels.toLocaleString('en')} pixels`);
  console.log(`  ${ALBUMS.length} workflows in ${((Date.now() - started) / 1_000).toFixed(2)} s`);
  return summaries.every((summary, index) => summary.images === ALBUMS[index]!.images && summary.totalPixels === summary.images * 640 * 360);
}
