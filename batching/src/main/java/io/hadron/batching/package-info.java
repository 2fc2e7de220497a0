/**
 * Dynamic batching: one {@link io.hadron.batching.ModelScheduler} per loaded model version queues
 * requests by priority, combines compatible ones, runs them on the model's instances and splits the
 * outputs back per request. The scheduler's class comment describes the algorithm and the threads.
 *
 * <p>Public surface: {@link io.hadron.batching.ModelScheduler}, {@link
 * io.hadron.batching.BatchRequest}, {@link io.hadron.batching.SchedulerOptions}, and the three
 * interfaces a server plugs in: {@link io.hadron.batching.NanoClock}, {@link
 * io.hadron.batching.BufferPool} and {@link io.hadron.batching.SchedulerListener}. Everything else
 * is package-private.
 */
package io.hadron.batching;
