package io.caucus.storage;

import io.caucus.core.HardState;
import io.caucus.core.InMemoryLog;
import io.caucus.core.LogEntry;
import io.caucus.core.Persist;
import io.caucus.core.SnapshotMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

import static io.caucus.storage.Fixtures.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The threading contract: the owner writes (with rollovers, truncations and compactions) while another thread
 * syncs in a loop. Whatever ticket a sync returned must survive a crash that loses everything unsynced.
 */
class ConcurrentSyncTest {

    @Test
    void everyTicketASyncReturnedSurvivesACrash() throws Exception {
        for (int seed = 0; seed < 40; seed++) {
            runSeed(seed);
        }
    }

    private void runSeed(int seed) throws Exception {
        Random random = new Random(seed);
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = Fixtures.open(disk, ROOT, Fixtures.SMALL).log();
        List<InMemoryLog> stateByTicket = new ArrayList<>();
        InMemoryLog model = Fixtures.model();
        stateByTicket.add(model.copy());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong durable = new AtomicLong();
        AtomicReference<Throwable> syncFailure = new AtomicReference<>();
        Thread syncer = new Thread(() -> {
            try {
                while (!stop.get()) {
                    long ticket = log.sync();
                    assertThat(ticket).isGreaterThanOrEqualTo(durable.get());
                    durable.set(ticket);
                }
            } catch (Throwable failure) {
                syncFailure.set(failure);
            }
        }, "syncer");
        syncer.start();
        long commit = 0;
        long term = 1;
        try {
            for (int step = 0; step < 400; step++) {
                int choice = random.nextInt(10);
                if (choice < 7) {
                    long first = Math.max(commit + 1, model.lastIndex() + 1 - random.nextInt(3));
                    first = Math.max(first, model.firstIndex());
                    term += random.nextInt(10) == 0 ? 1 : 0;
                    List<LogEntry> entries = Fixtures.batch(term, first, 1 + random.nextInt(8), 300, random);
                    commit = Math.max(commit, first - 1 - random.nextInt(2));
                    long ticket = log.write(new Persist(step, new HardState(term, null, commit), entries));
                    model.append(entries);
                    assertThat(ticket).isEqualTo(stateByTicket.size());
                    stateByTicket.add(model.copy());
                } else if (choice < 8 && commit >= model.firstIndex()) {
                    SnapshotMetadata snapshot = Fixtures.commitSnapshot(log, commit, model.term(commit), 100, random);
                    log.installSnapshot(snapshot);
                    model.installSnapshot(snapshot);
                    stateByTicket.add(model.copy());
                } else if (choice < 9) {
                    long from = Math.max(Math.max(commit + 1, model.firstIndex()), model.lastIndex() - 2);
                    log.truncateSuffix(from);
                    model.truncateSuffix(from);
                    stateByTicket.add(model.copy());
                } else {
                    Thread.onSpinWait();
                }
            }
        } finally {
            stop.set(true);
            syncer.join();
        }
        assertThat(syncFailure.get()).as("sync thread failure").isNull();
        long durableTicket = durable.get();
        disk.crash(null);
        DurableLog recovered = Fixtures.open(disk, ROOT, Fixtures.SMALL).log();
        boolean matched = false;
        for (int ticket = (int) durableTicket; ticket < stateByTicket.size() && !matched; ticket++) {
            InMemoryLog expected = stateByTicket.get(ticket).copy();
            if (recovered.snapshot().lastIncludedIndex() > expected.snapshot().lastIncludedIndex()) {
                expected.installSnapshot(recovered.snapshot());
            }
            matched = Fixtures.sameLog(recovered, expected);
        }
        assertThat(matched).as("seed %d: recovered log %d..%d matches a state at or after durable ticket %d",
                seed, recovered.firstIndex(), recovered.lastIndex(), durableTicket).isTrue();
    }
}
