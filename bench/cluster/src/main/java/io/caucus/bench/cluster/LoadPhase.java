package io.caucus.bench.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.function.IntConsumer;
import org.HdrHistogram.Histogram;

/**
 * Runs {@code clients} closed-loop client threads through a sequence of phases and merges what they measured
 * per phase. The clients connect once and keep their connections and threads from the first phase to the last,
 * moving to the next phase's operation without a pause: the measured phases see the systems in the steady state
 * the warm-up reached. New threads and connections per phase would pause the load, and on the Caucus leader the
 * new connections' first commands take code paths the JIT compiled out during the warm-up: the deoptimisations
 * that follow make the first 2-4 s of a measured phase slow (docs/benchmarks.md, "Method").
 */
final class LoadPhase {

    /** Requests slower than this are clamped into the histogram's top bucket rather than lost. */
    private static final long HIGHEST_MICROS = 60_000_000L;

    /** One phase: its operation, how long it lasts, and whether it is measured (a warm-up is not). */
    record Phase(Operation operation, Duration length, boolean measured) {
    }

    private LoadPhase() {
    }

    /**
     * Runs the phases back to back; returns one result per measured phase, in order. A request belongs to the
     * phase in which it was sent. {@code atBoundary} is called on this thread with {@code i} when phase {@code i}
     * starts and with {@code phases.size()} when the last ends (for CPU readings). With {@code slowMicros} > 0,
     * also prints when the requests slower than that were sent ({@link SlowRequests}), per measured phase.
     */
    static List<PhaseResult> run(LoadTarget target, Workload workload, List<Phase> phases, long slowMicros,
                                 IntConsumer atBoundary) throws InterruptedException {
        List<ClientRun> runs = new ArrayList<>();
        CountDownLatch connected = new CountDownLatch(workload.clients());
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        long[] endNanos = new long[phases.size()];
        for (int c = 0; c < workload.clients(); c++) {
            ClientRun run = new ClientRun(target, workload, phases, endNanos, new SplittableRandom(c * 7919L),
                    connected, start, slowMicros);
            runs.add(run);
            threads.add(Thread.ofPlatform().name("client-" + c).start(run));
        }
        connected.await();
        long startNanos = System.nanoTime();
        long boundary = startNanos;
        for (int i = 0; i < phases.size(); i++) {
            boundary += phases.get(i).length().toNanos();
            endNanos[i] = boundary;
        }
        atBoundary.accept(0);
        start.countDown();
        for (int i = 0; i < phases.size(); i++) {
            sleepUntil(endNanos[i]);
            atBoundary.accept(i + 1);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        List<PhaseResult> results = new ArrayList<>();
        for (int i = 0; i < phases.size(); i++) {
            Phase phase = phases.get(i);
            if (!phase.measured()) {
                continue;
            }
            int index = i;
            if (slowMicros > 0) {
                System.out.println(phase.operation().label() + " phase, requests over " + slowMicros + " us:");
                SlowRequests.report(runs.stream().map(run -> run.slowRequests[index]).toList())
                        .forEach(System.out::println);
            }
            Histogram merged = new Histogram(HIGHEST_MICROS, 3);
            long ops = 0;
            long errors = 0;
            for (ClientRun run : runs) {
                merged.add(run.latencyMicros[i]);
                ops += run.ops[i];
                errors += run.errors[i];
            }
            double seconds = (endNanos[i] - (i == 0 ? startNanos : endNanos[i - 1])) / 1e9;
            results.add(new PhaseResult(phase.operation(), ops, errors, seconds, merged));
        }
        return results;
    }

    private static void sleepUntil(long deadlineNanos) throws InterruptedException {
        for (long left = deadlineNanos - System.nanoTime(); left > 0; left = deadlineNanos - System.nanoTime()) {
            Thread.sleep(Duration.ofNanos(left));
        }
    }

    /** The exception and its causes on one line: the innermost usually names what really went wrong. */
    private static String causes(Throwable error) {
        StringBuilder text = new StringBuilder(error.toString());
        for (Throwable cause = error.getCause(); cause != null && text.length() < 2_000; cause = cause.getCause()) {
            text.append(" <- ").append(cause);
        }
        return text.toString();
    }

    /** One client: its connection, and what it measured in each phase. Owned by its thread until joined. */
    private static final class ClientRun implements Runnable {
        private final LoadTarget target;
        private final Workload workload;
        private final List<Phase> phases;
        /** When each phase ends (System.nanoTime); written before {@code start} opens, read after it. */
        private final long[] endNanos;
        private final SplittableRandom random;
        private final CountDownLatch connected;
        private final CountDownLatch start;
        private final Histogram[] latencyMicros;
        private final SlowRequests[] slowRequests;
        private final long[] ops;
        private final long[] errors;

        ClientRun(LoadTarget target, Workload workload, List<Phase> phases, long[] endNanos, SplittableRandom random,
                  CountDownLatch connected, CountDownLatch start, long slowMicros) {
            this.target = target;
            this.workload = workload;
            this.phases = phases;
            this.endNanos = endNanos;
            this.random = random;
            this.connected = connected;
            this.start = start;
            this.latencyMicros = new Histogram[phases.size()];
            this.slowRequests = new SlowRequests[phases.size()];
            for (int i = 0; i < phases.size(); i++) {
                latencyMicros[i] = new Histogram(HIGHEST_MICROS, 3);
                slowRequests[i] = new SlowRequests(phases.get(i).measured() ? slowMicros : 0);
            }
            this.ops = new long[phases.size()];
            this.errors = new long[phases.size()];
        }

        @Override
        public void run() {
            LoadTarget.Connection opened;
            try {
                opened = target.connect();
            } finally {
                connected.countDown(); // even when connecting failed, so the run never waits forever
            }
            try (LoadTarget.Connection connection = opened) {
                start.await();
                byte[] key = new byte[Workload.KEY_BYTES];
                byte[] value = workload.randomValue(random);
                int phase = 0;
                while (true) {
                    workload.nextKey(random, key);
                    long sentNanos = System.nanoTime();
                    while (phase < phases.size() && sentNanos - endNanos[phase] >= 0) {
                        phase++;
                    }
                    if (phase == phases.size()) {
                        return;
                    }
                    try {
                        if (phases.get(phase).operation() == Operation.WRITE) {
                            connection.write(key, value);
                        } else {
                            connection.read(key);
                        }
                        long tookMicros = (System.nanoTime() - sentNanos) / 1_000;
                        latencyMicros[phase].recordValue(Math.min(HIGHEST_MICROS, tookMicros));
                        slowRequests[phase].record(sentNanos, tookMicros);
                        ops[phase]++;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    } catch (Exception e) {
                        if (errors[phase]++ == 0) {
                            System.err.println("cluster-bench: first error of " + Thread.currentThread().getName()
                                    + " in phase " + phase + ": " + causes(e));
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
