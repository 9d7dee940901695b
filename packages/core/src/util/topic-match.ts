/**
 * AMQP topic matching: keys are words separated by '.', `*` stands for exactly one word and `#`
 * for zero or more. Used by adapters that route topic exchanges themselves (memory) and by
 * receivers that filter a fanout (events on Redis, where Celery turns the topic exchange into a fanout).
 */
export function topicMatches(bindingKey: string, routingKey: string): boolean {
  return matchWords(bindingKey.split('.'), 0, routingKey === '' ? [] : routingKey.split('.'), 0);
}

function matchWords(pattern: readonly string[], p: number, words: readonly string[], w: number): boolean {
  if (p === pattern.length) return w === words.length;
  const part = pattern[p];
  if (part === '#') {
    // '#' takes 0..n words; try the shortest first.
    for (let skip = w; skip <= words.length; skip += 1) {
      if (matchWords(pattern, p + 1, words, skip)) return true;
    }
    return false;
  }
  if (w === words.length) return false;
  return (part === '*' || part === words[w]) && matchWords(pattern, p + 1, words, w + 1);
}
