/** Where tasks go by name: exact names or glob patterns ("tasks.email.*"), first match wins. */
export type TaskRoutes = Record<string, { queue: string }>;

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

export function createRouter(routes: TaskRoutes = {}): (taskName: string) => string | undefined {
  const compiled = Object.entries(routes).map(([pattern, route]) => ({ test: globToRegExp(pattern), queue: route.queue }));
  return (taskName) => compiled.find((route) => route.test.test(taskName))?.queue;
}
