package io.caucus.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Injects faults into a {@link ChaosCluster} and heals them. Every fault is healed before the next one strikes,
 * so each operation belongs to at most one fault window.
 */
final class Nemesis {

    /** A fault in force: what it did and how to undo it. */
    private record Active(FaultKind kind, String description, List<String> killed, String paused) {
    }

    private final ChaosCluster cluster;
    private final ChaosHistory history;
    private final Random random;
    private final List<FaultWindow> windows = new ArrayList<>();
    private Active active;
    private long activeSinceMicros;

    Nemesis(ChaosCluster cluster, ChaosHistory history, Random random) {
        this.cluster = cluster;
        this.history = history;
        this.random = random;
    }

    /** Strikes {@code fault} now; returns its concrete description (e.g. "kill leader n2"). */
    String inject(Fault fault) throws InterruptedException {
        if (active != null) {
            throw new IllegalStateException("heal " + active.description() + " before injecting another fault");
        }
        String leader = cluster.leader().orElse(null);
        List<String> nodes = cluster.ids();
        activeSinceMicros = history.nowMicros();
        active = switch (fault) {
            case Fault.Kill kill -> kill(kill.target(), nodes, leader);
            case Fault.Pause pause -> pause(pause.target(), nodes, leader);
            case Fault.Partition partition -> partition(partition.shape(), nodes, leader);
        };
        return active.description();
    }

    private Active kill(Fault.Kill.Target target, List<String> nodes, String leader) throws InterruptedException {
        List<String> shuffled = shuffled(nodes);
        List<String> victims = switch (target) {
            case ONE -> List.of(shuffled.get(0));
            case LEADER -> List.of(leader != null ? leader : shuffled.get(0));
            case MAJORITY -> shuffled.subList(0, nodes.size() / 2 + 1);
            case ALL -> shuffled;
        };
        for (String victim : victims) {
            cluster.kill(victim);
        }
        String what = target == Fault.Kill.Target.LEADER && leader == null ? "leader (none known: random)"
                : target.name().toLowerCase(java.util.Locale.ROOT);
        return new Active(FaultKind.KILL, "kill -9 " + what + " " + victims, List.copyOf(victims), null);
    }

    private Active pause(Fault.Pause.Target target, List<String> nodes, String leader) {
        String victim = target == Fault.Pause.Target.LEADER && leader != null ? leader : shuffled(nodes).get(0);
        cluster.pause(victim);
        String what = target == Fault.Pause.Target.LEADER ? (leader != null ? "leader" : "leader (none known: random)")
                : "one";
        return new Active(FaultKind.PAUSE, "kill -STOP " + what + " " + victim, List.of(), victim);
    }

    private Active partition(PartitionShape shape, List<String> nodes, String leader) {
        Set<Link> cut = shape.links(nodes, leader, random);
        cluster.network().cutExactly(cut);
        List<String> links = cut.stream().map(Link::toString).sorted().toList();
        return new Active(FaultKind.PARTITION, "partition " + shape.label()
                + (leader != null ? " (leader was " + leader + ")" : "") + " cutting " + links, List.of(), null);
    }

    /** Undoes the fault in force (restart, SIGCONT or heal the network) and closes its window. */
    void heal() {
        if (active == null) {
            return;
        }
        long healedAt = history.nowMicros();
        active.killed().forEach(cluster::start);
        if (active.paused() != null) {
            cluster.resume(active.paused());
        }
        if (active.kind() == FaultKind.PARTITION) {
            cluster.network().healAll();
        }
        windows.add(new FaultWindow(windows.size() + 1, active.kind(), active.description(), activeSinceMicros,
                healedAt));
        active = null;
    }

    /** Returns the cluster to full health whatever happened: network healed, every node resumed and running. */
    void healEverything() {
        heal();
        cluster.network().healAll();
        for (String id : cluster.ids()) {
            if (cluster.isPaused(id)) {
                cluster.resume(id);
            }
            if (!cluster.isRunning(id)) {
                cluster.start(id);
            }
        }
    }

    List<FaultWindow> windows() {
        return List.copyOf(windows);
    }

    private List<String> shuffled(List<String> nodes) {
        List<String> copy = new ArrayList<>(nodes);
        Collections.shuffle(copy, random);
        return copy;
    }
}
