package io.caucus.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.HardState;
import io.caucus.core.LogView;
import io.caucus.core.Persist;
import io.caucus.server.LocalCluster;
import io.caucus.server.Poll;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Group commit: one sync covers every write made before it, and durability is reported in sequence order. */
class LogSyncerTest {

    /** Counts syncs; the first one waits for a latch, so writes pile up behind it. */
    private static class SlowSyncStore implements LogStore {
        final AtomicLong written = new AtomicLong();
        final AtomicInteger syncs = new AtomicInteger();
        final CountDownLatch firstSyncStarted = new CountDownLatch(1);
        final CountDownLatch releaseFirstSync = new CountDownLatch(1);

        @Override
        public HardState recoveredHardState() {
            return HardState.INITIAL;
        }

        @Override
        public LogView log() {
            throw new UnsupportedOperationException("the syncer never reads the log");
        }

        @Override
        public long write(Persist persist) {
            return written.incrementAndGet();
        }

        @Override
        public long sync() {
            long covered = written.get(); // a sync makes durable what was written before it started
            if (syncs.incrementAndGet() == 1) {
                firstSyncStarted.countDown();
                try {
                    releaseFirstSync.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return covered;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void writesQueuedDuringAnFsyncShareTheNextOne() throws Exception {
        SlowSyncStore store = new SlowSyncStore();
        AtomicReference<Throwable> fatal = new AtomicReference<>();
        LogSyncer syncer = new LogSyncer(store, true, () -> { }, fatal::set);
        Thread thread = Thread.ofPlatform().name("syncer-under-test").start(syncer);

        syncer.written(store.write(null), 1);
        store.firstSyncStarted.await();
        for (long sequence = 2; sequence <= 100; sequence++) {
            syncer.written(store.write(null), sequence);
        }
        assertThat(syncer.durableSequence()).isZero(); // nothing reported before its fsync returns
        store.releaseFirstSync.countDown();

        Poll.until(LocalCluster.WAIT, "all 100 writes to be durable", () -> syncer.durableSequence() == 100);
        assertThat(store.syncs.get()).isLessThanOrEqualTo(3); // group commit: not one fsync per write
        syncer.stop();
        thread.join(LocalCluster.WAIT.toMillis());
        assertThat(thread.isAlive()).isFalse();
        assertThat(fatal.get()).isNull();
    }

    @Test
    void aFailedSyncIsReportedAndNothingMoreIsDurable() throws Exception {
        LogStore failing = new SlowSyncStore() {
            @Override
            public long sync() {
                throw new IllegalStateException("fsync failed");
            }
        };
        AtomicReference<Throwable> fatal = new AtomicReference<>();
        LogSyncer syncer = new LogSyncer(failing, true, () -> { }, fatal::set);
        Thread thread = Thread.ofPlatform().start(syncer);
        syncer.written(failing.write(null), 1);
        thread.join(LocalCluster.WAIT.toMillis());
        assertThat(fatal.get()).hasMessage("fsync failed");
        assertThat(syncer.durableSequence()).isZero();
        syncer.written(2, 2); // after the thread exited: returns, does not block
    }
}
