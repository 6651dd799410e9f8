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

    /** Draws the next fault from the enabled kinds, each kind and then each variant equally likely. */
    static Fault draw(Random random, Set<FaultKind> enabled, int clusterSize) {
        List<FaultKind> kinds = enabled.stream().sorted().toList();
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
        };
    }

    private static <T> T pick(Random random, T[] values) {
        return values[random.nextInt(values.length)];
    }
}
