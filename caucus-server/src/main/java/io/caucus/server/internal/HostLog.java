package io.caucus.server.internal;

import io.caucus.core.ClusterConfiguration;
import io.caucus.storage.Disk;
import io.caucus.storage.StorageFailedException;
import io.caucus.storage.multi.HostStorage;
import io.caucus.storage.multi.SharedWal;
import io.caucus.storage.multi.SharedWalOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A host's shared WAL ({@link HostStorage}) as many node threads use it: every call into the WAL and its group
 * logs holds one lock (the storage has one owner at a time; a sync may copy any group's entries forward), except
 * the fsync itself, during which other groups go on writing; and syncs are coalesced across groups (group commit,
 * docs/multiraft.md "Runtime").
 *
 * <p>Two ways to make a write durable:
 * <ul>
 *   <li>{@link #sync(long)} waits: if another group's sync already covered the ticket it returns at once without
 *       an fsync; otherwise it forces the WAL once, covering every group's writes so far.
 *   <li>{@link #syncInBackground} returns at once; the host's sync worker ({@code caucus-wal-sync}) forces the WAL
 *       once for every request queued since its previous round, then runs each request's callback. This is what
 *       the host's groups use: a node thread hosting many groups writes each group's turn and moves on, and one
 *       fsync makes all of them durable, whatever the number of groups.
 * </ul>
 */
public final class HostLog implements AutoCloseable {

    private record Request(long group, long ticket, Runnable onDurable, Consumer<RuntimeException> onFailure) {
    }

    /** Rounds after the last one that served a group other than the request before it during which rounds gather. */
    static final int GATHER_ROUNDS = 16;

    private final HostStorage storage;
    private final ReentrantLock lock = new ReentrantLock();
    /** Held by whoever is syncing, so that a second sync waits and then finds its ticket covered. */
    private final ReentrantLock syncLock = new ReentrantLock();
    private final Worker syncer;
    private final List<Request> requests = new ArrayList<>();
    private boolean roundQueued;
    private volatile long durableTicket;
    private final LongAdder syncRounds = new LongAdder();
    private final LongAdder coalescedSyncs = new LongAdder();
    private volatile RuntimeException failure;
    private final long gatherNanos;
    // The sync thread's own: whether recent rounds served several groups (then the next round gathers first).
    private long lastRoundGroup = -1;
    private int roundsSinceSeveralGroups = GATHER_ROUNDS;
    private final LongAdder gatheredRounds = new LongAdder();

    private HostLog(HostStorage storage, Worker syncer, long gatherNanos) {
        this.storage = storage;
        this.syncer = syncer;
        this.gatherNanos = gatherNanos;
    }

    /**
     * Opens the host's data directory and recovers every group's log.
     *
     * @param workers     starts the sync worker (production: a thread of its own; a simulator: its events)
     * @param gatherNanos how long the sync worker sleeps before a round while several groups are writing, so that
     *                    more of their requests share its fsync (0: never; only for a worker on a thread of its own)
     */
    public static HostLog open(Disk disk, Path directory, SharedWalOptions options, int snapshotsRetained,
                               Worker.Factory workers, long gatherNanos) {
        HostStorage storage = HostStorage.open(disk, directory, options, snapshotsRetained);
        return new HostLog(storage, workers.start("caucus-wal-sync-" + directory.getFileName()), gatherNanos);
    }

    /** A host log whose sync worker never gathers (tests, simulators). */
    public static HostLog open(Disk disk, Path directory, SharedWalOptions options, int snapshotsRetained,
                               Worker.Factory workers) {
        return open(disk, directory, options, snapshotsRetained, workers, 0);
    }

    /** The groups the WAL holds: those recovered on open, and those opened since and not removed. */
    public SortedSet<Long> groups() {
        return locked(storage::groups);
    }

    /** True if {@code group} was ever removed from this host: it can never be opened again. */
    public boolean wasRemoved(long group) {
        return locked(() -> storage.wasRemoved(group));
    }

    /**
     * Opens group {@code group}'s store: its log in the shared WAL (recovered, or new and empty), its snapshot store
     * and the configuration it starts from ({@link GroupLogStore#bootstrap()}: {@code proposedConfiguration} if the
     * group is new here, else the one recorded at its first start).
     *
     * @param background whether the store's node waits for its fsync ({@code false}) or asks the sync worker
     */
    public GroupLogStore openGroup(long group, ClusterConfiguration proposedConfiguration, boolean background) {
        HostStorage.Group opened = locked(() -> storage.group(group, proposedConfiguration));
        return new GroupLogStore(this, opened.log(), opened.snapshots(), opened.bootstrap(), background);
    }

    /**
     * Removes group {@code group} from the WAL ({@code GROUP_REMOVED}), makes that durable, then deletes its
     * snapshots. Its store must be closed first (its node stopped): the log takes no more writes.
     */
    public void removeGroup(long group) {
        long ticket = locked(() -> storage.removeGroup(group));
        sync(ticket);
        locked(() -> {
            storage.deleteSnapshots(group);
            return null;
        });
    }

    /**
     * Makes {@code ticket} durable, waiting: returns at once if a sync (of any group) already covered it,
     * otherwise forces the WAL once for every write so far.
     *
     * @return the highest durable ticket
     * @throws StorageFailedException if the WAL failed (then it takes no more writes)
     */
    public long sync(long ticket) {
        if (durableTicket >= ticket) {
            coalescedSyncs.increment();
            return durableTicket;
        }
        syncLock.lock();
        try {
            if (durableTicket >= ticket) {
                coalescedSyncs.increment(); // another group's fsync, which this one waited for, covered it
                return durableTicket;
            }
            // The force runs outside the WAL's lock: other groups' node threads write meanwhile, and their writes
            // go to the next round.
            SharedWal.SyncPoint point = locked(() -> storage.wal().beginSync());
            point.force();
            long durable = locked(() -> storage.wal().finishSync(point));
            syncRounds.increment();
            durableTicket = durable;
            return durable;
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            syncLock.unlock();
        }
    }

    /**
     * Asks for group {@code group}'s {@code ticket} to become durable without waiting: {@code onDurable} runs once
     * it is (on the sync worker, or at once on the caller if it already is), or {@code onFailure} if the WAL fails
     * first.
     */
    public void syncInBackground(long group, long ticket, Runnable onDurable, Consumer<RuntimeException> onFailure) {
        RuntimeException failed = failure;
        if (failed != null) {
            onFailure.accept(failed);
            return;
        }
        if (durableTicket >= ticket) {
            coalescedSyncs.increment();
            onDurable.run();
            return;
        }
        boolean queue;
        synchronized (requests) {
            requests.add(new Request(group, ticket, onDurable, onFailure));
            queue = !roundQueued;
            roundQueued = true;
        }
        if (queue) {
            syncer.execute(this::syncRound);
        }
    }

    /**
     * One fsync for every request queued so far; requests made while it runs go to the next round.
     *
     * <p>With one group writing, its requests come one per turn, and each turn already carries every write that
     * arrived during the previous fsync: a round starts at once. With several groups writing, each group's turn asks
     * on its own, and a round started at the first request covers one or two of them: on the benchmark host 16
     * groups made 1,400-1,600 fsyncs per second per node at 5-6 writes each, against 600-700 at 35 for one group.
     * So while recent rounds served several groups (within {@link #GATHER_ROUNDS}), a round first lets requests
     * gather for {@code gatherNanos} (docs/multiraft.md, "Runtime").
     */
    private void syncRound() {
        if (gatherNanos > 0 && roundsSinceSeveralGroups < GATHER_ROUNDS) {
            gatheredRounds.increment();
            LockSupport.parkNanos(gatherNanos);
        }
        List<Request> round;
        synchronized (requests) {
            round = new ArrayList<>(requests);
            requests.clear();
            roundQueued = false;
        }
        long highest = 0;
        boolean severalGroups = false;
        for (Request request : round) {
            highest = Math.max(highest, request.ticket());
            severalGroups |= lastRoundGroup >= 0 && request.group() != lastRoundGroup;
            lastRoundGroup = request.group();
        }
        roundsSinceSeveralGroups = severalGroups ? 0 : Math.min(GATHER_ROUNDS, roundsSinceSeveralGroups + 1);
        try {
            sync(highest);
        } catch (RuntimeException e) {
            round.forEach(request -> request.onFailure().accept(e));
            return;
        }
        coalescedSyncs.add(Math.max(0, round.size() - 1));
        round.forEach(request -> request.onDurable().run());
    }

    /** What recovery found and repaired when the WAL was opened. */
    public SharedWal.Recovery recovery() {
        return locked(() -> storage.wal().recovery());
    }

    /** How many fsyncs of the WAL's segments were made (rollovers included). */
    public long fsyncs() {
        return locked(() -> storage.wal().fsyncs());
    }

    /** How many syncs forced the WAL: each covers every group's writes before it. */
    public long syncRounds() {
        return syncRounds.sum();
    }

    /** How many sync rounds waited {@code gatherNanos} for more requests before their fsync. */
    public long gatheredRounds() {
        return gatheredRounds.sum();
    }

    /** How many requests for durability found their ticket covered by another's fsync. */
    public long coalescedSyncs() {
        return coalescedSyncs.sum();
    }

    /** Runs {@code action} holding the WAL's lock: the only way into the WAL and its group logs. */
    <T> T locked(Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes the WAL and the directory lock. Every group's node must have stopped; the sync worker is shut down
     * (a round under way finishes first, for at most {@code 30 s}).
     */
    @Override
    public void close() {
        syncer.shutdown();
        try {
            syncer.awaitTermination(java.time.Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            locked(() -> {
                storage.close();
                return null;
            });
        }
    }
}
