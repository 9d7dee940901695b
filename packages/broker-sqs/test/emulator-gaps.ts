/**
 * Where local-aws-sqs 2.0.2 differs from SQS, so tests that would expose it are skipped with the
 * gap named (never weakened). emulator-gaps.test.ts asserts each gap still exists: when an emulator
 * upgrade fixes one, that test fails and says which skip to lift.
 */
export const EMULATOR_GAPS = {
  /** AWS: ApproximateNumberOfMessages counts visible messages only. The emulator adds in-flight ones. */
  readyCountsInFlight: 'local-aws-sqs counts in-flight messages in ApproximateNumberOfMessages, so "ready" includes them',
  /** AWS: ChangeMessageVisibility leaves ApproximateReceiveCount alone. The emulator adds one per change. */
  visibilityChangeCountsAsReceive: 'local-aws-sqs adds 1 to ApproximateReceiveCount on every ChangeMessageVisibility, so a nack or give-back counts twice',
  /** AWS and the emulator both apply PurgeQueue "within 60 s"; the emulator always waits the full 60 s. */
  purgeDeferred: 'local-aws-sqs applies PurgeQueue after 60 s, so purged delayed messages still show as delayed',
  /** AWS delivers one message group's messages in order, one batch at a time. The emulator ignores groups. */
  fifoGroupsNotBlocking: 'local-aws-sqs hands out later messages of a FIFO group while an earlier one is in flight',
  /**
   * AWS: a query-protocol request (form-encoded `Action=…`, as botocore < 1.31 and kombu 5.2's async
   * client send) may name its queue by being POSTed to the queue URL. The emulator reads only the
   * `QueueUrl` parameter. Not a skip: scripts/sqs-emulator.ts fills the parameter in from the path,
   * which is what lets a real Celery 5.2 worker consume (apps/e2e sqs-celery-interop).
   */
  queryRequestsAddressedByPath: 'local-aws-sqs answers NonExistentQueue to a query-protocol request addressed by the queue URL path instead of a QueueUrl parameter',
} as const;
