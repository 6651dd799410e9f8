package io.caucus.sim.shard;

import io.caucus.core.ConfigurationChange;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.kv.shard.ReplicaMover;
import io.caucus.kv.shard.ReplicaMover.Step;
import io.caucus.kv.slots.ReplicaRebalance;
import io.caucus.kv.slots.SlotMap;
import io.caucus.kv.slots.SlotMap.ReplicaMove;
import io.caucus.server.internal.NodeRuntime;
import io.caucus.sim.MultiGroupSimulation;
import io.caucus.sim.SimNode;
import io.caucus.sim.Simulation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * caucus-kv's {@code ReplicaMover} in the simulator (docs/simulator.md, "Replica moves"). Every process runs one, as
 * every sharded node does: each look (every few ticks, while its process is up) takes the next step of one replica
 * move of a group whose replica on that process leads, decided by the production decision function
 * ({@link ReplicaMover#nextStep}) from the {@link SimSlotMap} and the group's configuration at that replica: add the
 * node moved to as a learner, promote it once it answers, remove the node moved from, each through the runtime's
 * membership API as the production mover asks it of its {@code CaucusNode}; then record the move finished in the
 * map. One step at a time per process; a process that crashes loses its mover with it, and a new leader's process
 * goes on where it stopped. A step with no answer within {@link #STEP_TIMEOUT_TICKS} is given up (the runtime's own
 * request timeout is far longer in the simulation's ticks), and the next look decides again.
 *
 * <p>At random times it also starts a move: a random group moving none, from one of its replicas to a random process
 * that neither holds one nor ever held one (the map refuses those it retired). If asked to, a third of the time it
 * cancels a move under way instead (as {@code caucus slots cancel-replica-move} does), drawing that from a random of
 * its own so that a run without cancels is the run it was before they existed.
 *
 * <p>If asked to, it also removes one random process from the cluster at a random time ({@link #removeOneWithin}), as
 * {@code caucus slots remove-node} does: refused, and tried again later, while {@link ReplicaRebalance#planRemoval}
 * refuses it. From then on, whenever no move is under way, it starts the next round of
 * {@link ReplicaRebalance#plan} in one change, as {@code caucus slots remove-node} drives rounds, until a round
 * plans nothing; random moves go on, never to a removed process. Neither a random move nor a cancel is made that
 * would leave a replica of the removed process with nowhere to go, as ShardedKvServer refuses them
 * ({@link ReplicaRebalance#strandedBy}: the map accepts both, and the drain could then never end). Its draws come
 * from a random of its own too.
 *
 * <p>Callbacks from the nodes never drive the cluster directly: they only end the step under way.
 */
public final class SimReplicaMover {

    /** What the movers did over a run. */
    public record Totals(long movesStarted, long movesFinished, long movesCancelled, long movesAbandoned,
                         long learnersAdded, long promotions, long removals, long stepsRefused, long stepsTimedOut,
                         long processesRemoved, long removalsRefused, long rounds, long roundMoves) {
    }

    static final long STEP_TIMEOUT_TICKS = 40;

    private final MultiGroupSimulation multi;
    private final Simulation clock;
    private final Random random;
    private final SimSlotMap map;
    private final long checkTicks;
    private final long meanGapTicks;
    private final Map<NodeId, ProcessMover> movers = new LinkedHashMap<>();
    /** Draws whether and which move to cancel; null: no cancels. */
    private final Random cancels;
    /** Draws when and which process to remove; null: none is. */
    private Random removalDraws;
    /** The process removed from the cluster, once it is. */
    private NodeId removed;
    private boolean starting;
    private long movesStarted;
    private long movesFinished;
    private long movesCancelled;
    private long movesAbandoned;
    private long learnersAdded;
    private long promotions;
    private long removals;
    private long stepsRefused;
    private long stepsTimedOut;
    private long removalsRefused;
    private long rounds;
    private long roundMoves;

    /**
     * @param checkTicks   how often each process's mover looks at the map (the production one every 250 ms)
     * @param meanGapTicks the mean time between two moves started
     * @param cancels      draws the cancels of moves under way, or null for none
     */
    public SimReplicaMover(MultiGroupSimulation multi, SimSlotMap map, long checkTicks, long meanGapTicks,
                           Random cancels) {
        if (checkTicks < 1 || meanGapTicks < 1) {
            throw new IllegalArgumentException("checkTicks and meanGapTicks must be positive");
        }
        this.multi = multi;
        this.clock = multi.group(1);
        this.random = clock.random();
        this.map = map;
        this.checkTicks = checkTicks;
        this.meanGapTicks = meanGapTicks;
        this.cancels = cancels;
        for (NodeId process : multi.processIds()) {
            movers.put(process, new ProcessMover(process));
        }
    }

    /** Starts the looks of every process's mover and the random moves. */
    public void start() {
        starting = true;
        scheduleLooks();
        scheduleNextMove();
    }

    /**
     * Removes a random process from the cluster at a random time within {@code ticks} from now, while moves are
     * started; call before {@link #start}.
     *
     * @param draws draws the time and the process, apart from the simulation's random
     */
    public void removeOneWithin(long ticks, Random draws) {
        this.removalDraws = draws;
        clock.schedule((1 + draws.nextLong(ticks)) * clock.config().tickMicros(), this::removeRandomProcess);
    }

    /** Starts no more moves nor removals; those under way, and the rounds a removal drives, go on until finished. */
    public void windDown() {
        starting = false;
    }

    /** No move under way in the map, and none a round would start. */
    public boolean isIdle() {
        return map.current().replicaMoves().isEmpty() && nextRound().isEmpty();
    }

    /** The process removed from the cluster, if one is. */
    public Optional<NodeId> removedProcess() {
        return Optional.ofNullable(removed);
    }

    public Totals totals() {
        return new Totals(movesStarted, movesFinished, movesCancelled, movesAbandoned, learnersAdded, promotions,
                removals, stepsRefused, stepsTimedOut, removed == null ? 0 : 1, removalsRefused, rounds, roundMoves);
    }

    private void scheduleLooks() {
        clock.schedule(checkTicks * clock.config().tickMicros(), () -> {
            for (ProcessMover mover : movers.values()) {
                if (multi.isUp(mover.self)) {
                    mover.look();
                }
            }
            if (removed != null) {
                startRound();
            }
            scheduleLooks();
        });
    }

    private void scheduleNextMove() {
        long gapTicks = 1 + random.nextLong(2 * meanGapTicks);
        clock.schedule(gapTicks * clock.config().tickMicros(), () -> {
            if (starting) {
                if (cancels == null || cancels.nextInt(3) != 0 || !cancelRandomMove()) {
                    startRandomMove();
                }
                scheduleNextMove();
            }
        });
    }

    /** Cancels a random move under way not cancelled yet; false if there is none. */
    private boolean cancelRandomMove() {
        SlotMap current = map.current();
        List<ReplicaMove> cancellable = current.replicaMoves().stream().filter(move -> !move.cancelled()
                && ReplicaRebalance.strandedBy(current.finishReplicaMove(move.group()),
                        current.cancelReplicaMove(move.group()).abandonReplicaMove(move.group()),
                        multi.processIds(), move.group()).isEmpty()).toList();
        if (cancellable.isEmpty()) {
            return false;
        }
        ReplicaMove move = cancellable.get(cancels.nextInt(cancellable.size()));
        map.cancelReplicaMove(move.group());
        movesCancelled++;
        clock.note("-", "replica-move", "cancelled: " + move + " (map epoch " + map.current().epoch() + ")");
        return true;
    }

    /** Records a move of a random group's replica, if some group moves none and has a process it may move to. */
    private void startRandomMove() {
        SlotMap current = map.current();
        List<Long> still = new ArrayList<>();
        for (long group : current.groups()) {
            if (current.replicaMoveOf(group).isEmpty()) {
                still.add(group);
            }
        }
        if (still.isEmpty()) {
            return;
        }
        long group = still.get(random.nextInt(still.size()));
        List<NodeId> replicas = current.replicasOf(group);
        List<NodeId> free = new ArrayList<>();
        for (NodeId process : multi.processIds()) {
            if (!replicas.contains(process) && !current.retiredReplicasOf(group).contains(process)
                    && !current.removedNodes().contains(process)) {
                free.add(process);
            }
        }
        if (free.isEmpty()) {
            return; // every process holds or held one of its replicas
        }
        NodeId from = replicas.get(random.nextInt(replicas.size()));
        NodeId to = free.get(random.nextInt(free.size()));
        if (ReplicaRebalance.strandedBy(current, current.startReplicaMove(group, from, to).finishReplicaMove(group),
                multi.processIds(), group).isPresent()) {
            clock.note("-", "replica-move", "not started: group " + group + " from " + from + " to " + to
                    + ", which would leave " + removed + "'s replica of it with nowhere to go");
            return;
        }
        map.startReplicaMove(group, from, to);
        movesStarted++;
        clock.note("-", "replica-move", "started: group " + group + " from " + from + " to " + to + " (map epoch "
                + map.current().epoch() + ")");
    }

    /**
     * As {@code caucus slots remove-node} (ShardedKvServer.removeNode): a random process, unless a replica of it
     * could go nowhere or a move to it is under way ({@link ReplicaRebalance#planRemoval} refuses); then another
     * try 10-59 ticks later, while moves are started.
     */
    private void removeRandomProcess() {
        if (!starting) {
            return;
        }
        List<NodeId> processes = multi.processIds();
        NodeId process = processes.get(removalDraws.nextInt(processes.size()));
        try {
            ReplicaRebalance.planRemoval(map.current(), processes, process);
        } catch (IllegalArgumentException refused) {
            removalsRefused++;
            clock.note("-", "replica-move", "removal of " + process + " refused: " + refused.getMessage());
            clock.schedule((10 + removalDraws.nextInt(50)) * clock.config().tickMicros(), this::removeRandomProcess);
            return;
        }
        map.removeNode(process);
        removed = process;
        clock.note("-", "replica-move", "removed from the cluster: " + process + " (map epoch "
                + map.current().epoch() + ")");
    }

    /** The round of moves {@link #startRound} would start now: none before a removal or while a move is under way. */
    private List<ReplicaMove> nextRound() {
        SlotMap current = map.current();
        if (removed == null || !current.replicaMoves().isEmpty()) {
            return List.of();
        }
        return ReplicaRebalance.plan(current, multi.processIds()).moves();
    }

    /**
     * As ShardedKvServer.rebalanceReplicas, which {@code caucus slots remove-node} asks round after round: the
     * round planned against the map now, recorded in one change, once the moves before it are done.
     */
    private void startRound() {
        List<ReplicaMove> round = nextRound();
        if (round.isEmpty()) {
            return;
        }
        map.startReplicaMoves(round);
        rounds++;
        roundMoves += round.size();
        movesStarted += round.size();
        clock.note("-", "replica-move", "round " + rounds + " started: " + round + " (map epoch "
                + map.current().epoch() + ")");
    }

    /** The mover of one process: what {@code ReplicaMover} keeps, for the process's current incarnation. */
    private final class ProcessMover {
        final NodeId self;
        /** The incarnation of the process this state belongs to: a restarted process starts with none. */
        int incarnation;
        /** Groups stepped here whose moves may not be finished, or that may keep a stray learner. */
        final SortedSet<Long> stepped = new TreeSet<>();
        /** Per group led here: whether its configuration in force is committed. */
        final Map<Long, ReplicaMover.CommitWatch> commits = new HashMap<>();
        /** The step under way (0: none), and when it was asked. */
        long stepping;
        long steppingSinceTicks;
        long steps;

        ProcessMover(NodeId self) {
            this.self = self;
        }

        /** As {@code ReplicaMover.check}: a step for one group led here that moves a replica or has a learner. */
        void look() {
            int now = multi.incarnation(self);
            if (now != incarnation) {
                incarnation = now;
                stepping = 0;
                stepped.clear();
                commits.clear();
            }
            if (stepping != 0) {
                if (clock.nowTicks() - steppingSinceTicks < STEP_TIMEOUT_TICKS) {
                    return;
                }
                stepsTimedOut++;
                stepping = 0;
            }
            SlotMap applied = map.current();
            SortedSet<Long> candidates = new TreeSet<>(stepped);
            applied.replicaMoves().forEach(move -> candidates.add(move.group()));
            for (long group : candidates) {
                SimNode node = multi.group(group).node(self);
                if (!node.isUp() || !self.equals(node.runtime().status().leader())) {
                    stepped.remove(group); // its leader, elsewhere, looks after it
                    commits.remove(group);
                    continue;
                }
                boolean moving = applied.replicaMoveOf(group).isPresent();
                if (!moving && node.runtime().status().configuration().learners().isEmpty()) {
                    stepped.remove(group);
                    commits.remove(group);
                    continue;
                }
                stepped.add(group);
                step(group, node.runtime());
                return;
            }
        }

        /** The production mover's step: decided by {@link ReplicaMover#nextStep} from the map read now. */
        private void step(long group, NodeRuntime leader) {
            SlotMap current = map.current();
            NodeStatus status = leader.status();
            boolean committed = commits.computeIfAbsent(group, ignored -> new ReplicaMover.CommitWatch())
                    .committed(status);
            Step step = ReplicaMover.nextStep(current, group, status.configuration(), committed,
                    learner -> ReplicaMover.answering(leader.members(), learner));
            switch (step) {
                case Step.AddLearner add -> ask(group, new ConfigurationChange.AddLearner(add.move().to(), null));
                case Step.Promote promote -> ask(group, new ConfigurationChange.PromoteLearner(promote.move().to()));
                case Step.Remove remove -> ask(group, new ConfigurationChange.RemoveMember(remove.node()));
                case Step.Finish finish -> finish(finish.move());
                case Step.Abandon abandon -> abandon(abandon.move());
                case Step.Wait ignored -> {
                }
            }
        }

        private void ask(long group, ConfigurationChange change) {
            long number = ++steps;
            int asked = incarnation;
            stepping = number;
            steppingSinceTicks = clock.nowTicks();
            multi.group(group).requestConfigurationChange(self, change).whenComplete((membership, failure) -> {
                if (multi.incarnation(self) != asked || stepping != number) {
                    return; // given up, or the process crashed since
                }
                stepping = 0;
                if (failure != null) {
                    stepsRefused++;
                    return;
                }
                switch (change) {
                    case ConfigurationChange.AddLearner ignored -> learnersAdded++;
                    case ConfigurationChange.PromoteLearner ignored -> promotions++;
                    case ConfigurationChange.RemoveMember ignored -> removals++;
                    case ConfigurationChange.ChangeAddresses ignored -> {
                    }
                }
            });
        }

        /** Records the cancelled move abandoned in the map, which retires the node moved to. */
        private void abandon(ReplicaMove move) {
            map.abandonReplicaMove(move.group());
            movesAbandoned++;
            clock.note(self, "replica-move", move + " undone by the group's leader here: group " + move.group()
                    + "'s replicas stay " + map.current().replicasOf(move.group()) + " (map epoch "
                    + map.current().epoch() + ")");
        }

        /** Records the move finished in the map, which retires the node moved from. */
        private void finish(ReplicaMove move) {
            map.finishReplicaMove(move.group());
            movesFinished++;
            clock.note(self, "replica-move", move + " finished by the group's leader here: group " + move.group()
                    + "'s replicas are " + map.current().replicasOf(move.group()) + " (map epoch "
                    + map.current().epoch() + ")");
        }
    }
}
