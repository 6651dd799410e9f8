package io.caucus.chaos;

import java.util.List;
import java.util.Random;
import java.util.Set;

/** One fault of a schedule, before it is resolved to concrete nodes (the leader is known only when it strikes). */
sealed interface Fault {

    FaultKind kind();

    /** SIGKILL some nodes; they are restarted when the fault is healed. */
    record Kill(Target target) implements Fault {
        enum Target { ONE, LEADER, MAJORITY, ALL }

        @Override
        public FaultKind kind() {
            return FaultKind.KILL;
        }
    }

    /** SIGSTOP one node; SIGCONT when healed. Pausing the leader long enough lets the others elect a new one. */
    record Pause(Target target) implements Fault {
        enum Target { ONE, LEADER }

        @Override
        public FaultKind kind() {
            return FaultKind.PAUSE;
        }
    }

    /** Cut links through the proxies; healed all at once. */
    record Partition(PartitionShape shape) implements Fault {
        @Override
        public FaultKind kind() {
            return FaultKind.PARTITION;
        }
    }

    /**
     * A membership change through the admin endpoints, during {@code partition} if it is not null (cut before
     * the change, healed with it). A removed node is wiped and rejoins under the same id; the heal restores
     * every node as a voter.
     */
    record Membership(Action action, PartitionShape partition) implements Fault {
        enum Action { REMOVE_REJOIN_ONE, REMOVE_REJOIN_LEADER, TRANSFER_LEADER }

        @Override
        public FaultKind kind() {
            return FaultKind.MEMBERSHIP;
        }
    }

    /** Moves the slot of a random key of the workload to another data group, during {@code partition} if not null. */
    record Move(PartitionShape partition) implements Fault {
        @Override
        public FaultKind kind() {
            return FaultKind.MOVE;
        }
    }

    /**
     * Moves one replica of a random data group to a node that has none, during {@code partition} if not null.
     */
    record ReplicaMove(PartitionShape partition) implements Fault {
        @Override
        public FaultKind kind() {
            return FaultKind.REPLICA;
        }
    }

    /**
     * Removes a random node from the cluster for good ({@code POST /slots/nodes/remove}): a {@code RUNNING} one, or one
     * killed just before ({@code DOWN}: an operator removing a dead machine), which then never runs again.
     */
    record Remove(Target target) implements Fault {
        enum Target { RUNNING, DOWN }

        @Override
        public FaultKind kind() {
            return FaultKind.REMOVE;
        }
    }

    /**
     * The next fault of the schedule: the node removal if it is due (once a run, see {@link #removalOrdinal}), else
     * one drawn as {@link #draw} draws it.
     */
    static Fault next(Random random, Set<FaultKind> enabled, int clusterSize, boolean removalDue) {
        if (removalDue) {
            return new Remove(pick(random, Remove.Target.values()));
        }
        return draw(random, enabled, clusterSize);
    }

    /**
     * Which fault of the schedule (1 for the first) is the node removal: a random one among those expected in the
     * first half of {@code duration} (a fault and its recovery take about 10 s), but never the first, so that the
     * cluster has run under faults before and its replicas drain while later faults strike. Counted in faults rather
     * than seconds so that the seed alone decides it, as it decides the rest of the schedule.
     */
    static int removalOrdinal(Random random, java.time.Duration duration) {
        long expected = Math.max(2, duration.toSeconds() / 10);
        return 2 + random.nextInt((int) Math.min(Integer.MAX_VALUE, expected / 2));
    }

    /**
     * Draws the next fault from the enabled kinds, each kind and then each variant equally likely; never the node
     * removal, which the schedule places itself ({@link #next}).
     */
    static Fault draw(Random random, Set<FaultKind> enabled, int clusterSize) {
        List<FaultKind> kinds = enabled.stream().filter(kind -> kind != FaultKind.REMOVE).sorted().toList();
        if (kinds.isEmpty()) {
            throw new IllegalArgumentException("no fault kind to draw from " + enabled + ": remove strikes once and "
                    + "needs another kind beside it");
        }
        return switch (kinds.get(random.nextInt(kinds.size()))) {
            case KILL -> new Kill(pick(random, Kill.Target.values()));
            case PAUSE -> new Pause(pick(random, Pause.Target.values()));
            case PARTITION -> new Partition(pick(random, PartitionShape.usableWith(clusterSize)));
            // Half the changes overlap a partition: the case Jepsen found the bugs in.
            case MEMBERSHIP -> new Membership(pick(random, Membership.Action.values()),
                    random.nextBoolean() ? pick(random, PartitionShape.usableWith(clusterSize)) : null);
            case MOVE -> new Move(random.nextBoolean() ? pick(random, PartitionShape.usableWith(clusterSize)) : null);
            case REPLICA -> new ReplicaMove(random.nextBoolean()
                    ? pick(random, PartitionShape.usableWith(clusterSize)) : null);
            case REMOVE -> throw new IllegalStateException("remove is filtered out above");
        };
    }

    private static <T> T pick(Random random, T[] values) {
        return values[random.nextInt(values.length)];
    }
}
