package io.caucus.kv.shard;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.kv.cluster.KvBackend;
import io.caucus.kv.slots.SlotMap;
import io.caucus.kv.slots.SlotMap.ReplicaMove;
import io.caucus.server.CaucusNode;
import io.caucus.server.Membership;
import io.caucus.server.MembershipException;
import io.caucus.server.NodeAddresses;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the replica moves the slot map records (docs/multiraft.md, "Moving a group's replicas"), on the node
 * that leads the moving group: it adds the new node as a learner, promotes it once it has caught up, removes the old
 * node (each a Raft membership change of the group, by joint consensus where voters change: Raft paper §6), then
 * records the move as finished in the map, which retires the old node: it then deletes its replica.
 *
 * <p>Each step is chosen from the group's configuration as it is now and the map as read linearizably (ReadIndex on
 * the metadata group, thesis §6.4) just before, so a new leader of the group goes on where the last one stopped, a
 * step that was done is never done again, and a map that lags a finished move starts nothing. The old node is
 * removed only once the new one votes, so the group never has fewer voters than the map lists, and the move is
 * finished (the old node deleting its replica) only once the configuration without it is committed: a configuration
 * is in force from the moment it is appended (Raft paper §6), and one a leader lost would still need the old node.
 * A learner the map places nowhere (added for a move that a stale map showed) is removed. A cancelled move is undone:
 * the new node is removed (learner or voter: the old one still votes) and, once that configuration is committed, the
 * move abandoned in the map, which retires the new node; if the old node has left the group already, the move is
 * finished instead, since undoing it would take a node back that may have deleted its replica.
 *
 * <p>Threads: the checks run on the scheduler; one step at a time per node.
 */
public final class ReplicaMover implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaMover.class);
    static final long CHECK_MILLIS = 250;

    private final NodeId self;
    private final Supplier<SlotMap> appliedMap;
    private final KvBackend metadata;
    private final LongFunction<CaucusNode> localGroup;
    private final Function<NodeId, Optional<NodeAddresses>> addresses;
    private final ScheduledExecutorService scheduler;
    private final AtomicBoolean stepping = new AtomicBoolean();
    /** Groups stepped here whose moves may not be finished, or that may keep a stray learner: checked until not. */
    private final Set<Long> stepped = ConcurrentHashMap.newKeySet();
    /** Per group led here: whether its configuration in force is committed. */
    private final Map<Long, CommitWatch> commits = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> task;

    /**
     * @param appliedMap the map as applied here, which says whether there is anything to do
     * @param metadata   the metadata group (forwarding to its leader), to read the map and record a finished move
     * @param localGroup this node's replica of a data group, or null if it has none
     * @param addresses  a node's addresses as the cluster file gives them
     */
    public ReplicaMover(NodeId self, Supplier<SlotMap> appliedMap, KvBackend metadata,
                        LongFunction<CaucusNode> localGroup, Function<NodeId, Optional<NodeAddresses>> addresses,
                        ScheduledExecutorService scheduler) {
        this.self = self;
        this.appliedMap = appliedMap;
        this.metadata = metadata;
        this.localGroup = localGroup;
        this.addresses = addresses;
        this.scheduler = scheduler;
        this.task = scheduler.scheduleWithFixedDelay(this::check, CHECK_MILLIS, CHECK_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    /**
     * Takes the next step of one replica move of a group led here, or removes one stray learner. Only groups with a
     * move in the applied map, and those this node stepped since, are looked at: a node of thousands of idle groups
     * does nothing here.
     */
    void check() {
        if (stepping.get()) {
            return;
        }
        SlotMap applied = appliedMap.get();
        SortedSet<Long> candidates = new TreeSet<>(stepped);
        applied.replicaMoves().forEach(move -> candidates.add(move.group()));
        for (long group : candidates) {
            CaucusNode node = localGroup.apply(group);
            if (node == null || !self.equals(node.status().leader())) {
                stepped.remove(group); // its leader, elsewhere, looks after it
                commits.remove(group);
                continue;
            }
            boolean moving = applied.replicaMoveOf(group).isPresent();
            if (!moving && node.status().configuration().learners().isEmpty()) {
                stepped.remove(group);
                commits.remove(group);
                continue;
            }
            if (stepping.compareAndSet(false, true)) {
                stepped.add(group);
                step(group, node).whenComplete((progressed, failure) -> {
                    stepping.set(false);
                    if (failure != null && catchingUp(failure)) {
                        LOG.debug("moving a replica of group {}: the new replica is catching up", group);
                    } else if (failure != null) {
                        LOG.info("moving a replica of group {}: {} (tried again in {} ms)", group,
                                cause(failure), CHECK_MILLIS);
                    } else if (progressed) {
                        next();
                    }
                });
                return;
            }
        }
    }

    /**
     * What a group's leader does next about its replicas, decided from the map and its configuration alone (public
     * so that the simulator's mover takes the same decisions: docs/simulator.md, "Replica moves").
     */
    public sealed interface Step {
        /** Add the node moved to as a learner. */
        record AddLearner(ReplicaMove move) implements Step {
        }

        /** Make the learner moved to a voter. */
        record Promote(ReplicaMove move) implements Step {
        }

        /** Remove {@code node}: the node moved from, or a learner the map places nowhere. */
        record Remove(NodeId node) implements Step {
        }

        /** Record the move finished in the map. */
        record Finish(ReplicaMove move) implements Step {
        }

        /** Record the cancelled move abandoned in the map: the node moved to has left the group. */
        record Abandon(ReplicaMove move) implements Step {
        }

        /** Nothing to do now: a change is under way, the learner does not answer yet, or all is done. */
        record Wait() implements Step {
        }
    }

    /**
     * The next step for {@code group} given the map (read linearizably) and the group's configuration now:
     * add the node moved to, promote it once it answers, remove the node moved from once the new one votes, then
     * finish once that configuration is committed; a cancelled move is undone instead (see undo); with no move,
     * remove a learner the map places nowhere. Each step's condition is false once it is done, so a step is never
     * taken twice, and the voters the map lists (less the one leaving, once the new one votes) are never fewer than
     * the replicas it lists.
     *
     * @param members   the configuration in force at the group's leader (its last one, committed or not)
     * @param committed whether {@code members} is known committed ({@link CommitWatch})
     */
    public static Step nextStep(SlotMap map, long group, ClusterConfiguration members, boolean committed,
                                Predicate<NodeId> answering) {
        if (members.isJoint()) {
            return new Step.Wait(); // a change is under way: it completes first
        }
        Optional<ReplicaMove> moving = map.replicaMoveOf(group);
        if (moving.isEmpty()) {
            return members.learners().stream().filter(learner -> !map.placesReplicaOn(group, learner)).sorted()
                    .findFirst().<Step>map(Step.Remove::new).orElse(new Step.Wait());
        }
        ReplicaMove move = moving.get();
        if (move.cancelled()) {
            return undo(move, members, committed);
        }
        if (!members.isMember(move.to())) {
            return new Step.AddLearner(move);
        }
        if (!members.isVoter(move.to())) {
            // The core refuses only a learner far behind; one that never answered may look close behind in a young
            // group, and promoting a node that is down would leave the group a voter short.
            return answering.test(move.to()) ? new Step.Promote(move) : new Step.Wait();
        }
        if (members.isMember(move.from())) {
            return new Step.Remove(move.from());
        }
        // Uncommitted, the configuration without the old node may yet be lost with this leader, and the group would
        // need the old node's vote again: it keeps its replica until then.
        return committed ? new Step.Finish(move) : new Step.Wait();
    }

    /**
     * Whether the configuration in force at a group's leader is committed, told from the leader's status over time:
     * the entry that put it in force is at or below the leader's last index when first seen in force in its term,
     * and a leader's log only grows within its term, so once its commit index reaches that index the configuration
     * is committed. (Seen again after changes in between, an equal configuration was committed before them, as one
     * change waits for the last to commit.) Not thread-safe beyond one caller at a time: synchronized for that.
     */
    public static final class CommitWatch {
        private long term = -1;
        private ClusterConfiguration configuration;
        private long inForceBy;

        /** {@code leader}'s status now: whether its configuration in force is known committed. */
        public synchronized boolean committed(NodeStatus leader) {
            if (leader.term() != term || !leader.configuration().equals(configuration)) {
                term = leader.term();
                configuration = leader.configuration();
                inForceBy = leader.lastIndex();
            }
            return leader.commitIndex() >= inForceBy;
        }
    }

    /**
     * The next step of a cancelled move: remove the node moved to while the node moved from is still a member (the
     * voters never fewer than the replicas the map lists), then, once that configuration is committed, abandon the
     * move (which retires the node moved to: it deletes its replica); too late once the node moved from has left,
     * when only finishing the move keeps every replica the map lists a voter.
     */
    private static Step undo(ReplicaMove move, ClusterConfiguration members, boolean committed) {
        if (members.isMember(move.from()) && members.isMember(move.to())) {
            return new Step.Remove(move.to());
        }
        if (!committed) {
            return new Step.Wait(); // a leader may yet lose it, and need the node that would be retired
        }
        return members.isMember(move.from()) ? new Step.Abandon(move) : new Step.Finish(move);
    }

    /** The next step for {@code group}, led here, taken; completes with whether it changed anything. */
    private CompletableFuture<Boolean> step(long group, CaucusNode node) {
        return metadata.read(new byte[0]).thenApply(SlotMap::decode).thenCompose(map -> {
            NodeStatus status = node.status();
            boolean committed = commits.computeIfAbsent(group, ignored -> new CommitWatch()).committed(status);
            Step step = nextStep(map, group, status.configuration(), committed,
                    learner -> answering(node.members(), learner));
            return switch (step) {
                case Step.AddLearner add -> addLearner(add.move(), node);
                case Step.Promote promote -> node.promote(promote.move().to()).thenApply(done -> {
                    LOG.info("{}: {} caught up and votes", promote.move(), promote.move().to());
                    return true;
                });
                case Step.Remove remove -> {
                    LOG.info("group {}: removing {}, {}", group, remove.node(), map.replicaMoveOf(group)
                            .map(move -> move.from().equals(remove.node()) ? "the node its replica moves from"
                                    : "the node of a cancelled move")
                            .orElse("a learner the slot map places nowhere"));
                    yield node.remove(remove.node()).thenApply(done -> true);
                }
                case Step.Finish finish -> finish(map, finish.move());
                case Step.Abandon abandon -> abandon(map, abandon.move());
                case Step.Wait ignored -> CompletableFuture.completedFuture(false);
            };
        });
    }

    private CompletableFuture<Boolean> addLearner(ReplicaMove move, CaucusNode node) {
        Optional<NodeAddresses> to = addresses.apply(move.to());
        if (to.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalStateException(move.to()
                    + " is not in this node's cluster file: its addresses are unknown"));
        }
        LOG.info("{}: adding {} as a learner", move, move.to());
        return node.addLearner(move.to(), to.get()).thenApply(done -> true);
    }

    private CompletableFuture<Boolean> finish(SlotMap map, ReplicaMove move) {
        SlotMap finished = map.finishReplicaMove(move.group());
        return install(map, finished, move + ": done; group " + move.group() + "'s replicas are "
                + finished.replicasOf(move.group()));
    }

    private CompletableFuture<Boolean> abandon(SlotMap map, ReplicaMove move) {
        SlotMap abandoned = map.abandonReplicaMove(move.group());
        return install(map, abandoned, move + ": undone; group " + move.group() + "'s replicas stay "
                + abandoned.replicasOf(move.group()));
    }

    /** Replaces {@code map} by {@code next} if the metadata group still holds it; completes with whether it did. */
    private CompletableFuture<Boolean> install(SlotMap map, SlotMap next, String done) {
        return metadata.submit(SlotMapStateMachine.install(map.epoch(), next)).thenApply(result -> {
            boolean installed = SlotMapStateMachine.installed(result);
            if (installed) {
                LOG.info(done);
            }
            return installed;
        });
    }

    /**
     * Whether {@code learner} answered the leader recently and holds part of the log, as the leader's
     * {@code members} show: what {@link #nextStep} is to be given.
     */
    public static boolean answering(Membership members, NodeId learner) {
        return members.member(learner)
                .map(member -> member.recentlyActive() && member.matchIndex() > 0).orElse(false);
    }

    private void next() {
        try {
            scheduler.execute(this::check);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private static Throwable cause(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    /** The core refused a promotion because the learner is still far behind: retried until it is not. */
    private static boolean catchingUp(Throwable failure) {
        return cause(failure) instanceof MembershipException membership
                && membership.reason() == MembershipException.Reason.LEARNER_BEHIND;
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
