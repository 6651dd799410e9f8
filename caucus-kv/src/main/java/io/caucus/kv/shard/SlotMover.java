package io.caucus.kv.shard;

import io.caucus.core.NodeStatus;
import io.caucus.kv.cluster.KvBackend;
import io.caucus.kv.command.Reply;
import io.caucus.kv.slots.MoveProgress;
import io.caucus.kv.slots.SlotMap;
import io.caucus.kv.slots.SlotRange;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.caucus.kv.state.KvQuery;
import io.caucus.kv.state.MoveStep;
import io.caucus.server.CaucusNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the slot moves the map records (docs/multiraft.md, "Moving slots between groups"), on the node leading
 * the metadata group: for each migration, the target's {@code Import} and the source's {@code Migrate}, then passes
 * over the source's keys of the range (copy a batch: stage it in the target, release it in the source, promote it in
 * the target) until the source hands the range over, then the target's {@code Own} and, last, the map's
 * {@link SlotMap#finishMigration}. Every step is idempotent, so a mover that stops half-way (its node crashed or lost
 * the metadata leadership) is simply replaced by the next leader's, which runs the move again from its start; the
 * steps carry the metadata term, so the groups fence off an older leader's mover still running.
 *
 * <p>Reaches each group through a backend: its replica here if the node has one, else a node that has one (with four
 * nodes or more, the layout leaves some groups off each node); the encoded steps travel unchanged either way.
 *
 * <p>One thread of its own: a move is a sequence of blocking waits for the groups' commits.
 */
public final class SlotMover implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SlotMover.class);
    static final long CHECK_MILLIS = 100;
    /**
     * Keys copied per batch, at most: each batch is three entries (stage, release, promote); the source also stops a
     * batch at about 512 KiB of data, so a batch of large values is fewer keys.
     */
    static final int BATCH_KEYS = 4096;
    /**
     * The data of one copied part (its stage, release and promote), at most about: well under a node's largest command
     * (1 MiB).
     */
    static final long STAGE_BYTES = 512 << 10;

    private final SlotMapStateMachine metadata;
    private final CaucusNode metadataNode;
    private final LongFunction<KvBackend> groups;
    private final Duration stepTimeout;
    private final ScheduledExecutorService thread;
    private volatile boolean closed;
    /**
     * The metadata group's term this node leads in, as the moves under way started: every step carries it, and a
     * group refuses the steps of a mover older than the newest it has seen, so a deposed leader's mover that has not
     * noticed yet (paused, say) cannot interleave its steps with the next leader's. The mover's thread's own.
     */
    private long term;
    /** The moves under way here and how far each has got: written by the mover's thread only, read by operators. */
    private final Map<SlotRange, MoveProgress> progress = new ConcurrentHashMap<>();

    /**
     * @param groups      a data group's backend, which reaches its leader (through its replica here, or another
     *                    node's); null if the map in force lists no replica of the group
     * @param stepTimeout how long one step may take (the request timeout: the backend retries within it)
     */
    public SlotMover(SlotMapStateMachine metadata, CaucusNode metadataNode, LongFunction<KvBackend> groups,
                     Duration stepTimeout) {
        this.metadata = metadata;
        this.metadataNode = metadataNode;
        this.groups = groups;
        this.stepTimeout = stepTimeout.plusSeconds(1);
        this.thread = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("caucus-slot-mover").factory());
        thread.scheduleWithFixedDelay(this::moveAll, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void moveAll() {
        NodeStatus status = metadataNode.status();
        if (!metadataNode.id().equals(status.leader())) {
            return;
        }
        term = status.term();
        if (metadata.current().migrations().isEmpty()) {
            return; // nothing to move as far as this node knows (and no read to disturb an idle metadata group)
        }
        SlotMap map;
        try {
            // A linearizable read (thesis §6.4): a new leader's applied map can lag what the last leader committed,
            // and a move finished there would be run again from that stale map, leaving both groups marked
            // importing and migrating for slots the map gives to the target (found by caucus chaos, seed 18103).
            map = SlotMap.decode(await(metadataNode.read(new byte[0])));
        } catch (RuntimeException e) {
            return; // no linearizable view of the map now: the next check tries again
        }
        for (SlotMap.Migration migration : map.migrations()) {
            if (closed || !metadataNode.id().equals(metadataNode.status().leader())) {
                return;
            }
            KvBackend source = groups.apply(migration.source());
            KvBackend target = groups.apply(migration.target());
            if (source == null || target == null) {
                LOG.warn("slots {} cannot move from group {} to group {}: the slot map lists no replica of group {}",
                        migration.range(), migration.source(), migration.target(),
                        source == null ? migration.source() : migration.target());
                continue;
            }
            try {
                move(migration, source, target);
            } catch (MoveInterrupted e) {
                LOG.info("moving slots {} from group {} to group {} stopped: {}", migration.range(),
                        migration.source(), migration.target(), e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("moving slots {} from group {} to group {} failed, to be tried again: {}", migration.range(),
                        migration.source(), migration.target(), e.toString());
            }
        }
    }

    /** How far each move under way here has got: replaced by the mover's thread as it goes, read by operators. */
    public Map<SlotRange, MoveProgress> progress() {
        return Map.copyOf(progress);
    }

    private void move(SlotMap.Migration migration, KvBackend source, KvBackend target) {
        long started = System.nanoTime();
        LOG.info("moving slots {} from group {} to group {}", migration.range(), migration.source(),
                migration.target());
        MoveProgress counted = new MoveProgress(migration.range(), 0, 0, 0, System.currentTimeMillis());
        progress.put(migration.range(), counted);
        try {
            require(step(target, new MoveStep.Import(migration.range(), migration.source())));
            require(step(source, new MoveStep.Migrate(migration.range(), migration.target())));
            while (true) {
                checkStillWanted(migration);
                counted = copyPass(migration, source, target, passed(counted));
                Reply handedOver = step(source, new MoveStep.Handover(migration.range(), migration.target()));
                if (handedOver instanceof Reply.Array releasedKeys) {
                    promoteReleased(migration, target, releasedKeys);
                    break;
                }
                LOG.debug("slots {}: pass {} left keys behind ({}); another pass", migration.range(),
                        counted.passes(), handedOver);
            }
            require(step(target, new MoveStep.Own(migration.range(), migration.source())));
            finishInMap(migration);
            forgetReleased(migration, source);
        } finally {
            progress.remove(migration.range());
        }
        LOG.info("moved slots {} from group {} to group {}: {} keys in {} passes, {} ms", migration.range(),
                migration.source(), migration.target(), counted.keysMoved(), counted.passes(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    private MoveProgress passed(MoveProgress counted) {
        return publish(new MoveProgress(counted.range(), counted.passes() + 1, counted.keysMoved(),
                counted.bytesCopied(), counted.startedAtMillis()));
    }

    private MoveProgress publish(MoveProgress counted) {
        progress.put(counted.range(), counted);
        return counted;
    }

    /** One walk over the source's keys of the range, counted on from {@code counted}. */
    private MoveProgress copyPass(SlotMap.Migration migration, KvBackend source, KvBackend target,
                                  MoveProgress counted) {
        MoveProgress sofar = counted;
        long cursor = 0;
        do {
            checkStillWanted(migration);
            Reply.Array answer = (Reply.Array) require(read(source,
                    new KvQuery.MoveScan(0, migration.range(), cursor, BATCH_KEYS)));
            cursor = ((Reply.Int) answer.elements().get(0)).value();
            // A scan can answer more than asked (a SCAN step walks whole buckets of both tables while a snapshot is
            // written): each part is copied on its own, so its stage, release and promote stay well under 1 MiB.
            for (byte[] part : MoveStep.split(((Reply.Bulk) answer.elements().get(1)).value(), STAGE_BYTES)) {
                long released = copyBatch(migration, source, target, part, MoveStep.versionsIn(part));
                sofar = publish(new MoveProgress(sofar.range(), sofar.passes(), sofar.keysMoved() + released,
                        sofar.bytesCopied() + part.length, sofar.startedAtMillis()));
            }
        } while (cursor != 0);
        return sofar;
    }

    private long copyBatch(SlotMap.Migration migration, KvBackend source, KvBackend target, byte[] batch,
                           List<MoveStep.KeyVersion> keys) {
        if (batch.length > STAGE_BYTES) { // one key (split cuts there), too large for one entry: copied in parts
            for (MoveStep.StagePart part : MoveStep.parts(migration.source(), keys.getFirst(), batch,
                    (int) STAGE_BYTES)) {
                require(step(target, part));
            }
        } else {
            require(step(target, new MoveStep.Stage(migration.source(), batch)));
        }
        Reply.Array answers = (Reply.Array) require(step(source, new MoveStep.Release(migration.target(), keys)));
        List<byte[]> released = new ArrayList<>();
        List<byte[]> dropped = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            long answer = ((Reply.Int) answers.elements().get(i)).value();
            if (answer == MoveStep.RELEASED) {
                released.add(keys.get(i).key());
            } else if (answer == MoveStep.ABSENT) {
                dropped.add(keys.get(i).key());
            } else if (answer == MoveStep.NOT_MIGRATING) {
                throw new MoveInterrupted("group " + migration.source() + " no longer migrates the range");
            }
        }
        require(step(target, new MoveStep.Promote(migration.source(), released, dropped)));
        return released.size();
    }

    /**
     * Promotes in the target every key the source released in this move, as its hand-over listed them: a release
     * whose own promote was lost (a mover before this one stopped between the two, or the step timed out) left its
     * keys staged, and the target's {@code Own} drops whatever is still staged. Keys promoted already are skipped.
     */
    private void promoteReleased(SlotMap.Migration migration, KvBackend target, Reply.Array releasedKeys) {
        List<byte[]> keys = new ArrayList<>();
        releasedKeys.elements().forEach(key -> keys.add(((Reply.Bulk) key).value()));
        for (int from = 0; from < keys.size(); from += BATCH_KEYS) {
            List<byte[]> batch = keys.subList(from, Math.min(keys.size(), from + BATCH_KEYS));
            require(step(target, new MoveStep.Promote(migration.source(), batch, List.of())));
        }
    }

    /**
     * Lets the source forget the names of the keys it released, once the map records the move as done: they were kept
     * only so that a hand-over applied again lists them all. If this step is lost, the names stay until the slots move
     * again (memory, not correctness).
     */
    private void forgetReleased(SlotMap.Migration migration, KvBackend source) {
        try {
            step(source, new MoveStep.Forget(migration.range(), migration.target()));
        } catch (RuntimeException e) {
            LOG.info("group {} keeps the names of the keys it moved out of slots {} until they move again: {}",
                    migration.source(), migration.range(), e.getMessage());
        }
    }

    /** Records the move as done: the range is the target's, by compare-and-set on the map's epoch. */
    private void finishInMap(SlotMap.Migration migration) {
        while (true) {
            SlotMap current = checkStillWanted(migration);
            byte[] result = await(metadataNode.submit(SlotMapStateMachine.install(current.epoch(),
                    current.finishMigration(migration.range()))));
            if (SlotMapStateMachine.installed(result)) {
                return;
            }
        }
    }

    /** The map in force, if it still records {@code migration}; otherwise the move is over (cancelled or done). */
    private SlotMap checkStillWanted(SlotMap.Migration migration) {
        if (closed) {
            throw new MoveInterrupted("the node is closing");
        }
        if (!metadataNode.id().equals(metadataNode.status().leader())) {
            throw new MoveInterrupted("this node no longer leads the metadata group");
        }
        SlotMap current = metadata.current();
        if (!current.migrations().contains(migration)) {
            throw new MoveInterrupted("the map no longer records it");
        }
        return current;
    }

    private Reply step(KvBackend group, MoveStep step) {
        return EntryCodec.decodeReply(await(group.submit(EntryCodec.encode(new KvEntry.Move(0, step, term)))));
    }

    private Reply read(KvBackend group, KvQuery query) {
        return EntryCodec.decodeReply(await(group.read(EntryCodec.encode(query))));
    }

    private static Reply require(Reply reply) {
        if (reply instanceof Reply.Error error) {
            throw new IllegalStateException("a move step was refused: " + error.line());
        }
        return reply;
    }

    private byte[] await(java.util.concurrent.CompletableFuture<byte[]> result) {
        try {
            return result.get(stepTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MoveInterrupted("interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().toString(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("a move step took longer than " + stepTimeout);
        }
    }

    /** The move stops here for a reason that is not a failure; whoever leads next picks it up. */
    private static final class MoveInterrupted extends RuntimeException {
        MoveInterrupted(String why) {
            super(why, null, false, false);
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.shutdownNow();
    }
}
