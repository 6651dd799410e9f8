package io.caucus.sim.linearizability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HistoryRecorderTest {

    @Test
    void recordsCompletedAndPendingOperationsInInvocationOrder() {
        HistoryRecorder recorder = new HistoryRecorder();
        long put = recorder.invoke(1, OpKind.PUT, "k", "a", null, 10);
        long get = recorder.invoke(2, OpKind.GET, "k", null, null, 11);
        long cas = recorder.invoke(3, OpKind.CAS, "k", "b", "a", 12);
        recorder.complete(get, Outcome.OK, "a", 20);
        recorder.complete(put, Outcome.OK, null, 15);

        assertThat(recorder.history()).containsExactly(
                new Operation(1, OpKind.PUT, "k", "a", null, 10, 15, Outcome.OK, null),
                new Operation(2, OpKind.GET, "k", null, null, 11, 20, Outcome.OK, "a"),
                new Operation(3, OpKind.CAS, "k", "b", "a", 12, HistoryRecorder.NEVER_COMPLETED, Outcome.UNKNOWN,
                        null));
        assertThat(cas).isEqualTo(2);
        assertThat(LinearizabilityChecker.check(recorder.history()).verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void rejectsMalformedInvocationAtTheCallSite() {
        HistoryRecorder recorder = new HistoryRecorder();
        assertThatThrownBy(() -> recorder.invoke(1, OpKind.PUT, "k", null, null, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PUT needs a non-null value");
        assertThat(recorder.size()).isZero();
    }

    @Test
    void badCompletionChangesNothing() {
        HistoryRecorder recorder = new HistoryRecorder();
        long handle = recorder.invoke(1, OpKind.CAS, "k", "b", "a", 10);
        assertThatThrownBy(() -> recorder.complete(handle, Outcome.OK, "maybe", 11))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"true\" or \"false\"");
        assertThatThrownBy(() -> recorder.complete(handle, Outcome.OK, "true", 9))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("before invokedAt");
        assertThatThrownBy(() -> recorder.complete(7, Outcome.OK, null, 11))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("handle 7");
        assertThat(recorder.history()).singleElement()
                .satisfies(op -> assertThat(op.outcome()).isEqualTo(Outcome.UNKNOWN));

        recorder.complete(handle, Outcome.OK, "true", 12);
        assertThatThrownBy(() -> recorder.complete(handle, Outcome.FAILED, null, 13))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already completed");
        assertThat(recorder.history().get(0).result()).isEqualTo("true");
    }

    /** Clients on their own threads against one shared register: nothing lost, and the history checks out. */
    @Test
    void concurrentClientsRecordEveryOperation() throws InterruptedException {
        HistoryRecorder recorder = new HistoryRecorder();
        Object register = new Object();
        String[] value = {null};
        AtomicLong clock = new AtomicLong();
        int clients = 4;
        int perClient = 500;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            threads.add(Thread.ofPlatform().start(() -> {
                awaitQuietly(start);
                for (int i = 0; i < perClient; i++) {
                    boolean write = (i + client) % 2 == 0;
                    String written = "c" + client + "-" + i;
                    long handle = recorder.invoke(client, write ? OpKind.PUT : OpKind.GET, "k",
                            write ? written : null, null, clock.incrementAndGet());
                    String read;
                    synchronized (register) {
                        read = value[0];
                        if (write) {
                            value[0] = written;
                        }
                    }
                    recorder.complete(handle, Outcome.OK, write ? null : read, clock.incrementAndGet());
                }
            }));
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        List<Operation> history = recorder.history();
        assertThat(history).hasSize(clients * perClient).allSatisfy(op -> assertThat(op.outcome())
                .isEqualTo(Outcome.OK));
        CheckResult result = LinearizabilityChecker.check(history);
        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.LINEARIZABLE);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
