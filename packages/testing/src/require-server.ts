/**
 * Real servers, never mocks: adapter tests run against the local server. With CI=true a server
 * that does not answer fails the run; elsewhere the suite is skipped with a loud message.
 *
 *   const redisUp = await requireServer('Redis 127.0.0.1:6379', () => pingRedis());
 *   describe.runIf(redisUp)('redis broker', () => { … });
 */
export async function requireServer(name: string, probe: () => Promise<unknown>, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (env.CI === 'true' || env.CI === '1') {
      throw new Error(`${name} is required in CI but did not answer (${reason}). .ci/services.sh starts it; check it ran.`, { cause: error });
    }
    process.stderr.write(`\n!!! ${name} is not reachable (${reason}): its tests are SKIPPED. Start it to run them.\n\n`);
    return false;
  }
}
