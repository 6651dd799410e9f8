package io.caucus.bench.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import org.HdrHistogram.Histogram;

/** Runs {@code clients} closed-loop client threads for a fixed time and merges what they measured. */
final class LoadPhase {

    /** Requests slower than this are clamped into the histogram's top bucket rather than lost. */
    private static final long HIGHEST_MICROS = 60_000_000L;

    private LoadPhase() {
    }

    static PhaseResult run(LoadTarget target, Workload workload, Operation operation, Duration length)
            throws InterruptedException {
        return run(target, workload, operation, length, 0);
    }

    /** As above; with {@code slowMicros} > 0, also prints when the requests slower than that were sent. */
    static PhaseResult run(LoadTarget target, Workload workload, Operation operation, Duration length,
                           long slowMicros) throws InterruptedException {
        List<ClientRun> runs = new ArrayList<>();
        CountDownLatch connected = new CountDownLatch(workload.clients());
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < workload.clients(); c++) {
            ClientRun run = new ClientRun(target, workload, operation, new SplittableRandom(c * 7919L + operation.ordinal()),
                    connected, start, new SlowRequests(slowMicros));
            runs.add(run);
            threads.add(Thread.ofPlatform().name("client-" + c).start(run));
        }
        connected.await();
        long startNanos = System.nanoTime();
        long deadlineNanos = startNanos + length.toNanos();
        runs.forEach(run -> run.deadlineNanos = deadlineNanos);
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        if (slowMicros > 0) {
            SlowRequests.report(runs.stream().map(run -> run.slowRequests).toList()).forEach(System.out::println);
        }
        Histogram merged = new Histogram(HIGHEST_MICROS, 3);
        long ops = 0;
        long errors = 0;
        for (ClientRun run : runs) {
            merged.add(run.latencyMicros);
            ops += run.ops;
            errors += run.errors;
        }
        return new PhaseResult(operation, ops, errors, seconds, merged);
    }

    /** The exception and its causes on one line: the innermost usually names what really went wrong. */
    private static String causes(Throwable error) {
        StringBuilder text = new StringBuilder(error.toString());
        for (Throwable cause = error.getCause(); cause != null && text.length() < 2_000; cause = cause.getCause()) {
            text.append(" <- ").append(cause);
        }
        return text.toString();
    }

    private static final class ClientRun implements Runnable {
        private final LoadTarget target;
        private final Workload workload;
        private final Operation operation;
        private final SplittableRandom random;
        private final CountDownLatch connected;
        private final CountDownLatch start;
        private final Histogram latencyMicros = new Histogram(HIGHEST_MICROS, 3);
        private final SlowRequests slowRequests;
        /** Written before {@code start} opens, read after: the latch orders it. */
        private long deadlineNanos;
        private long ops;
        private long errors;

        ClientRun(LoadTarget target, Workload workload, Operation operation, SplittableRandom random,
                  CountDownLatch connected, CountDownLatch start, SlowRequests slowRequests) {
            this.target = target;
            this.workload = workload;
            this.operation = operation;
            this.random = random;
            this.connected = connected;
            this.start = start;
            this.slowRequests = slowRequests;
        }

        @Override
        public void run() {
            LoadTarget.Connection opened;
            try {
                opened = target.connect();
            } finally {
                connected.countDown(); // even when connecting failed, so the phase never waits forever
            }
            try (LoadTarget.Connection connection = opened) {
                start.await();
                byte[] key = new byte[Workload.KEY_BYTES];
                byte[] value = workload.randomValue(random);
                while (System.nanoTime() < deadlineNanos) {
                    workload.nextKey(random, key);
                    long sentNanos = System.nanoTime();
                    try {
                        if (operation == Operation.WRITE) {
                            connection.write(key, value);
                        } else {
                            connection.read(key);
                        }
                        long tookMicros = (System.nanoTime() - sentNanos) / 1_000;
                        latencyMicros.recordValue(Math.min(HIGHEST_MICROS, tookMicros));
                        slowRequests.record(sentNanos, tookMicros);
                        ops++;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    } catch (Exception e) {
                        if (errors++ == 0) {
                            System.err.println("cluster-bench: first error of " + Thread.currentThread().getName()
                                    + ": " + causes(e));
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
