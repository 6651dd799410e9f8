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

    /** Draws the next fault from the enabled kinds, each kind and then each variant equally likely. */
    static Fault draw(Random random, Set<FaultKind> enabled, int clusterSize) {
        List<FaultKind> kinds = enabled.stream().sorted().toList();
        return switch (kinds.get(random.nextInt(kinds.size()))) {
            case KILL -> new Kill(pick(random, Kill.Target.values()));
            case PAUSE -> new Pause(pick(random, Pause.Target.values()));
            case PARTITION -> new Partition(pick(random, PartitionShape.usableWith(clusterSize)));
        };
    }

    private static <T> T pick(Random random, T[] values) {
        return values[random.nextInt(values.length)];
    }
}
