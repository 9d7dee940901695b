import { median } from './stats.js';

/**
 * Run `once` for every mode in each round, forward then backward in turn, so the machine's noise
 * falls on every mode alike; returns a table of every run, the medians, and each median against
 * the first mode's.
 */
export async function alternateModes<Mode extends string>(modes: readonly Mode[], rounds: number, once: (mode: Mode) => Promise<number>): Promise<string> {
  const rates = new Map<Mode, number[]>(modes.map((mode) => [mode, []]));
  for (let round = 0; round < rounds; round++) {
    for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
      const rate = await once(mode);
      rates.get(mode)!.push(rate);
      process.stderr.write(`round ${round + 1} ${mode}: ${Math.round(rate)} tasks/s\n`);
    }
  }
  const base = median(rates.get(modes[0]!)!);
  return [
    `| mode | runs (tasks/s) | median | vs ${modes[0]} |`,
    `|---|---|---|---|`,
    ...modes.map((mode) => {
      const runs = rates.get(mode)!;
      return `| ${mode} | ${runs.map((rate) => Math.round(rate)).join(', ')} | ${Math.round(median(runs))} | ${(median(runs) / base).toFixed(3)} |`;
    }),
  ].join('\n');
}
