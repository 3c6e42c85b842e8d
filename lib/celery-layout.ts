// Celery's Redis layout (kombu's Redis transport, kombu/transport/redis.py): a queue is a Redis
// list named after it; a message of priority p goes to `<queue>` + separator + step, where step is
// p rounded down to one of the priority steps and step 0 is the plain `<queue>` list; a global key
// prefix, if set, stands in front of every key. The queue depth is the sum of LLEN over them all.

/** kombu's defaults: `priority_steps` and the `sep` transport option. */
export const KOMBU_PRIORITY_STEPS = [0, 3, 6, 9] as const;
export const KOMBU_PRIORITY_SEPARATOR = '\x06\x16';

/** The Redis keys of one queue, in the order a consumer pops them (step 0 first). */
export function celeryQueueKeys(queue: string, prioritySteps: readonly number[] = KOMBU_PRIORITY_STEPS, separator: string = KOMBU_PRIORITY_SEPARATOR, keyPrefix = ''): string[] {
  return prioritySteps.map((step) => keyPrefix + (step === 0 ? queue : `${queue}${separator}${step}`));
}
